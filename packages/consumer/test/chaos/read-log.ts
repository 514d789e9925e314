import { randomUUID } from 'node:crypto';
import { kafkaClient, waitUntil } from '@kf/devstack';
import type { LogRecord, Marker } from './run-record.js';

const MARKERS: readonly Marker[] = ['poison', 'throw', 'hang'];

/** The marker a produced value carries (`poison:…`), if any. */
export function markerOf(value: string): Marker | undefined {
  return MARKERS.find((m) => value.startsWith(`${m}:`));
}

/**
 * Every record of `topics`, read to each partition's end by a plain kafkajs consumer
 * group: the truth the checker holds kf's deliveries against. A send the producer saw
 * fail may still be in the log, and one it saw succeed is there once Kafka acknowledged
 * it with acks=all; what counts is what the log holds.
 */
export async function readLog(
  brokers: string[],
  topics: string[],
  timeoutMs: number,
): Promise<LogRecord[]> {
  const kafka = kafkaClient(brokers, 'kf-chaos-log-reader');
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics) {
      for (const e of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${e.partition}`, Number(e.high));
    }
  } finally {
    await admin.disconnect();
  }
  // Keyed by offset: a plain consumer may be handed a record twice across a rebalance.
  const records = new Map<string, LogRecord>();
  const reached = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `kf-chaos-log-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const offset = Number(message.offset);
        const marker = markerOf(String(message.value));
        records.set(`${topic}/${partition}/${offset}`, {
          topic,
          partition,
          offset,
          ...(marker ? { marker } : {}),
        });
        reached.set(`${topic}/${partition}`, offset + 1);
      },
    });
    await waitUntil(
      async () =>
        [...ends].every(([k, high]) => (reached.get(k) ?? 0) >= high) ? true : undefined,
      { what: `the log of ${topics.join(', ')} read to its end`, timeoutMs, intervalMs: 100 },
    );
  } finally {
    await consumer.disconnect();
  }
  return [...records.values()].filter(
    (r) => r.offset < (ends.get(`${r.topic}/${r.partition}`) ?? 0),
  );
}
