/**
 * kf's Kafka access port (`KafkaAccess` of @kf/protocol) on @platformatic/kafka:
 * `createPlatformaticKafkaAccess` reads Kafka with the same semantics as
 * `createKafkaAccess`, which runs on kafkajs.
 *
 * @module @kf/kafka-platformatic
 */
export {
  createPlatformaticKafkaAccess,
  type KafkaSasl,
  type PlatformaticKafkaAccessOptions,
} from './create-platformatic-kafka-access.js';
