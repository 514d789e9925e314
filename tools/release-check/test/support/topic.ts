import { createTopic, kafkaClient } from '@kf/devstack';

export interface ProducedTopic {
  topic: string;
  /** What each message carries, in the order produced. */
  values: string[];
  /**
   * Each partition's log end once everything was written (its offsets are 0 to it), in
   * partition order.
   */
  logEnds: Map<number, number>;
}

/**
 * Creates `topic` and writes `count` numbered messages round-robin over its partitions.
 * The producer is idempotent: a send kafkajs retries after a timeout would otherwise
 * write a batch twice (seen here, on a new topic), and the log would hold more than sent.
 */
export async function produceNumbered(
  brokers: string[],
  topic: string,
  { count, partitions }: { count: number; partitions: number },
): Promise<ProducedTopic> {
  await createTopic(brokers, { topic, partitions });
  const kafka = kafkaClient(brokers, 'kf-release-check');
  const values = Array.from({ length: count }, (_, i) => `message-${String(i).padStart(4, '0')}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: values.map((value, i) => ({ partition: i % partitions, value })),
    });
  } finally {
    await producer.disconnect();
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return {
      topic,
      values,
      logEnds: new Map(
        offsets
          .map((o): [number, number] => [o.partition, Number(o.high)])
          .sort(([a], [b]) => a - b),
      ),
    };
  } finally {
    await admin.disconnect();
  }
}
