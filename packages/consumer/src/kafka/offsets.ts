import { KafkaRequestError } from '@kf/protocol';

/**
 * Kafka's int64 offsets and timestamps arrive from kafkajs as decimal strings; kf hands
 * out numbers, exact below 2^53. A value past that is reported, never rounded.
 */
export function toOffset(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new KafkaRequestError('decode', undefined, `${what} ${value} is not a safe integer`);
  }
  return n;
}
