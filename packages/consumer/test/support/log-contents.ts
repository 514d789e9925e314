import { randomUUID } from 'node:crypto';
import { kafkaClient, waitUntil } from '@kf/devstack';
import { until } from './produce.js';

/**
 * Every value a topic's log holds, read to each partition's end by a plain kafkajs
 * consumer group: the truth a fault scenario checks delivery against when the producer's
 * acknowledgements cannot be trusted. kafkajs's producer can acknowledge a send whose
 * records a broker fail-over then drops (tulios/kafkajs#1303); no consumer can deliver
 * those, so they are counted apart instead of blamed on kf.
 */
export async function valuesInLog(brokers: string[], topic: string): Promise<Set<string>> {
  const kafka = kafkaClient(brokers, 'kf-faults-log-reader');
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const consumer = kafka.consumer({ groupId: `kf-faults-log-reader-${randomUUID()}` });
  const values = new Set<string>();
  const reached = new Map<number, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        values.add(String(message.value));
        reached.set(partition, Number(message.offset) + 1);
      },
    });
    await until(
      waitUntil,
      () => ends.every((e) => (reached.get(e.partition) ?? 0) >= Number(e.high)),
      `the log of ${topic} read to its end`,
      60_000,
    );
  } finally {
    await consumer.disconnect();
  }
  return values;
}
