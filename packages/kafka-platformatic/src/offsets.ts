import { KafkaRequestError } from '@kf/protocol';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * Kafka's int64 offsets and timestamps arrive from @platformatic/kafka as bigints; the
 * port hands out numbers, exact below 2^53. A value past that is reported, never rounded.
 */
export function toOffset(value: bigint, what: string): number {
  if (value > MAX_SAFE || value < MIN_SAFE) {
    throw new KafkaRequestError('decode', undefined, `${what} ${value} is not a safe integer`);
  }
  return Number(value);
}
