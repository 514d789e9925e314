// What has landed: the Kafka access port and its kafkajs implementation. The organiser,
// the workers and createNode are not here yet, so they are not exported.
export {
  CodecUnsupportedError,
  isKafkaAccessError,
  KafkaErrorCode,
  KafkaRequestError,
  NotLeaderError,
  type NotLeaderReason,
  OffsetOutOfRangeError,
  UnknownTopicPartitionError,
} from './errors/index.js';
export { type RegisteredCodecs, registerCodecs } from './kafka/codecs/register-codecs.js';
export { createKafkaAccess, type KafkaAccessOptions } from './kafka/create-kafka-access.js';
export type {
  BrokerAddress,
  ClusterMetadata,
  FetchRequest,
  FetchResult,
  Isolation,
  KafkaAccess,
  KafkaRecord,
  PartitionMetadata,
  PartitionOffsets,
  RecordHeader,
  TopicMetadata,
} from './kafka/kafka-access.js';
