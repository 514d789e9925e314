import { randomUUID } from 'node:crypto';
import type { KafkaInfo } from '../kafka/cluster.js';
import { createTopic, kafkaClient } from '../kafka/topics.js';
import { waitUntil } from '../wait-until.js';

export interface KafkaSmoke {
  topic: string;
  topicCreated: boolean;
  partitions: number;
  replicas: number;
  produced: string[];
  /** Each value read, once, sorted. */
  consumed: string[];
  /**
   * Values read more than once: a consumer group delivers at least once, so a
   * rebalance while the check runs may replay what was not yet committed.
   */
  redelivered: number;
  groupId: string;
  groupState: string;
  groupMembers: number;
}

/**
 * Creates a topic with the admin client, produces messages with `acks=-1`, and reads
 * them back with a consumer group that must join and be assigned partitions.
 */
export async function smokeKafka(info: KafkaInfo, messages = 10): Promise<KafkaSmoke> {
  const topic = `kf-smoke-${randomUUID()}`;
  const groupId = `kf-smoke-${randomUUID()}`;
  const kafka = kafkaClient(info.brokers);
  const topicCreated = await createTopic(info.brokers, { topic, partitions: 3 });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId, retry: { retries: 10 } });
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    const produced = Array.from({ length: messages }, (_, i) => `message-${i}`);
    await producer.send({
      topic,
      acks: -1,
      messages: produced.map((value, i) => ({ key: String(i), value })),
    });
    const consumed: string[] = [];
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        consumed.push(message.value?.toString() ?? '');
      },
    });
    await waitUntil(async () => (new Set(consumed).size >= messages ? true : undefined), {
      what: `consumer group ${groupId} to read ${messages} messages`,
      timeoutMs: 60_000,
    });
    const readOnce = [...new Set(consumed)].sort();
    const redelivered = consumed.length - readOnce.length;
    // The group settles after its first rebalance; until then it reports a transition.
    const described = await waitUntil(
      async () => {
        const group = (await admin.describeGroups([groupId])).groups[0];
        return group?.state === 'Stable' ? group : undefined;
      },
      { what: `consumer group ${groupId} to be Stable`, timeoutMs: 30_000, intervalMs: 200 },
    );
    return {
      topic,
      topicCreated,
      partitions: partitions.length,
      replicas: partitions[0]?.replicas.length ?? 0,
      produced,
      consumed: readOnce,
      redelivered,
      groupId,
      groupState: described?.state ?? 'unknown',
      groupMembers: described?.members.length ?? 0,
    };
  } finally {
    await consumer.disconnect();
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}
