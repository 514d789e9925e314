/**
 * The stable codes of the Kafka port's errors; callers branch on these (see
 * `isKafkaAccessError`), never on messages. Every implementation of `KafkaAccess` throws
 * the classes that carry them; `CodecUnsupported` is `@kf/consumer`'s `CodecUnsupportedError`
 * (its kafkajs codecs), the others are this package's.
 */
export const KafkaErrorCode = {
  OffsetOutOfRange: 'KF_KAFKA_OFFSET_OUT_OF_RANGE',
  UnknownTopicOrPartition: 'KF_KAFKA_UNKNOWN_TOPIC_OR_PARTITION',
  NotLeader: 'KF_KAFKA_NOT_LEADER',
  OffsetNotAvailable: 'KF_KAFKA_OFFSET_NOT_AVAILABLE',
  CodecUnsupported: 'KF_KAFKA_CODEC_UNSUPPORTED',
  Request: 'KF_KAFKA_REQUEST_FAILED',
} as const;

export type KafkaErrorCode = (typeof KafkaErrorCode)[keyof typeof KafkaErrorCode];

/** Whether `error` is one of the Kafka port's errors, and, when `code` is given, that one. */
export function isKafkaAccessError(error: unknown, code?: KafkaErrorCode): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const found = (error as { code?: unknown }).code;
  if (typeof found !== 'string') return false;
  const known = (Object.values(KafkaErrorCode) as string[]).includes(found);
  return code === undefined ? known : found === code;
}
