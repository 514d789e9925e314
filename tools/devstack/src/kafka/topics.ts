import { type ITopicConfig, Kafka, logLevel } from 'kafkajs';
import { waitUntil } from '../wait-until.js';

export interface CreateTopicOptions {
  topic: string;
  partitions?: number;
  /** Defaults to every broker of the cluster (at most 3). */
  replicationFactor?: number;
  /** Topic-level configs, such as `retention.bytes` or `cleanup.policy`. */
  configs?: Record<string, string>;
}

export function kafkaClient(brokers: string[], clientId = 'kf-devstack'): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
}

/**
 * Creates a topic and waits until every partition has a leader, so producing to it
 * right after succeeds. Returns false when the topic already existed.
 */
export async function createTopic(
  brokers: string[],
  options: CreateTopicOptions,
): Promise<boolean> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    const topic: ITopicConfig = {
      topic: options.topic,
      numPartitions: options.partitions ?? 1,
      replicationFactor: options.replicationFactor ?? Math.min(brokers.length, 3),
      configEntries: Object.entries(options.configs ?? {}).map(([name, value]) => ({
        name,
        value,
      })),
    };
    const created = await admin.createTopics({
      topics: [topic],
      waitForLeaders: false,
      timeout: 30_000,
    });
    // kafkajs's own wait retries only LEADER_NOT_AVAILABLE; right after creation a broker
    // may still answer UNKNOWN_TOPIC_OR_PARTITION, so readiness is polled here instead.
    await waitUntil(
      async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: [options.topic] });
        const partitions = metadata.topics[0]?.partitions ?? [];
        const ready =
          partitions.length === topic.numPartitions && partitions.every((p) => p.leader >= 0);
        return ready ? true : undefined;
      },
      {
        what: `leaders for every partition of ${options.topic}`,
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    return created;
  } finally {
    await admin.disconnect();
  }
}
