import { type ITopicConfig, Kafka, logLevel } from 'kafkajs';

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
    return await admin.createTopics({ topics: [topic], waitForLeaders: true, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}
