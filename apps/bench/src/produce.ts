import { createTopic } from '@kf/devstack';
import { type Kafka, Partitioners } from 'kafkajs';

/** Creates a topic and fills it with `count` messages of `size` bytes, round-robin. */
export async function preload(
  { kafka, brokers }: { kafka: Kafka; brokers: string[] },
  options: { topic: string; partitions: number; count: number; size: number },
): Promise<void> {
  await createTopic(brokers, { topic: options.topic, partitions: options.partitions });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const value = Buffer.alloc(options.size, 'x');
  // About 500 KB a send, headroom under the broker's 1 MB batch limit with record overhead.
  const perSend = Math.max(1, Math.floor(500_000 / (options.size + 70)));
  for (let sent = 0; sent < options.count; sent += perSend) {
    const n = Math.min(perSend, options.count - sent);
    await producer.send({
      topic: options.topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({
        partition: (sent + i) % options.partitions,
        value,
      })),
    });
  }
  await producer.disconnect();
}

/**
 * Produces small messages at `rate` per second for `durationMs`, in sends every 10 ms;
 * each message's timestamp is its send time, which the consumers subtract.
 */
export async function producePaced(
  kafka: Kafka,
  options: { topic: string; rate: number; durationMs: number },
): Promise<number> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < options.durationMs) {
    const due = Math.floor(((Date.now() - started) / 1_000) * options.rate) - sent;
    if (due > 0) {
      await producer.send({
        topic: options.topic,
        acks: -1,
        messages: Array.from({ length: due }, () => ({
          value: 'x',
          timestamp: String(Date.now()),
        })),
      });
      sent += due;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await producer.disconnect();
  return sent;
}
