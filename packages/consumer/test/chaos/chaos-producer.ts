import { type KafkaService, kafkaClient } from '@kf/devstack';
import type { EpisodePlan } from './schedule.js';

/**
 * kafkajs's producer leaves out, without an error, messages for a partition its metadata
 * does not know yet: a grown topic's new partitions are written to only once the
 * producer's metadata, reloaded this often, has had time to show them.
 */
const PRODUCER_METADATA_MAX_AGE_MS = 1_000;
const NEW_PARTITIONS_AFTER_MS = 2 * PRODUCER_METADATA_MAX_AGE_MS + 1_000;

export interface ChaosProducer {
  /** A topic grew: its next messages spread over `count` partitions. */
  partitionsNow(topic: string, count: number): void;
  /** Stops producing; resolves with the messages Kafka acknowledged and the sends it refused. */
  stop(): Promise<{ produced: number; failures: number }>;
}

/**
 * Produces to every topic of an episode at the plan's rate, in sends every 100 ms, each
 * value `<topic>#<n>` or, for the plan's marked messages, `<marker>:<topic>#<n>`. Not
 * idempotent: kafkajs's idempotent producer fails for good after a broker fail-over
 * (OUT_OF_ORDER_SEQUENCE_NUMBER). A refused send is sent again; whatever the log ends up
 * holding, twice or not, is what the checker reads back.
 */
export function startChaosProducer(
  kafka: KafkaService,
  topics: string[],
  plan: EpisodePlan,
): ChaosProducer {
  const producer = kafkaClient(kafka.info.brokers, 'kf-chaos-producer').producer({
    metadataMaxAge: PRODUCER_METADATA_MAX_AGE_MS,
  });
  const partitions = new Map(topics.map((t) => [t, plan.partitions]));
  const next = new Map(topics.map((t) => [t, 0]));
  const marked = new Map(plan.markers.map((m) => [`${m.topic}#${m.n}`, m.marker]));
  let stopped = false;
  let failures = 0;
  const started = Date.now();
  const loop = (async () => {
    await producer.connect();
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1_000) * plan.rate);
      const topicMessages = topics.flatMap((topic, t) => {
        const from = next.get(topic) ?? 0;
        const count = partitions.get(topic) ?? 1;
        const messages = Array.from({ length: Math.max(0, due - from) }, (_, i) => {
          const n = from + i;
          const marker = marked.get(`${t}#${n}`);
          return { partition: n % count, value: `${marker ? `${marker}:` : ''}${topic}#${n}` };
        });
        return messages.length > 0 ? [{ topic, messages }] : [];
      });
      if (topicMessages.length > 0) {
        try {
          await producer.sendBatch({ acks: -1, topicMessages });
          for (const { topic, messages } of topicMessages) {
            next.set(topic, (next.get(topic) ?? 0) + messages.length);
          }
        } catch {
          // Counted and sent again next round: the log, not this count, is the truth.
          failures += 1;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await producer.disconnect();
  })();
  let stopping: Promise<{ produced: number; failures: number }> | undefined;
  return {
    partitionsNow: (topic, count) => {
      setTimeout(() => partitions.set(topic, count), NEW_PARTITIONS_AFTER_MS).unref();
    },
    stop() {
      stopped = true;
      stopping ??= loop.then(() => ({
        produced: [...next.values()].reduce((sum, n) => sum + n, 0),
        failures,
      }));
      return stopping;
    },
  };
}
