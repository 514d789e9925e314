/**
 * The conformance suite every implementation of the Kafka access port (`KafkaAccess` from
 * `@kf/protocol`) runs against a real Kafka, kf's own on kafkajs or a third party's on
 * another client. It imports no test runner (pass it your runner's `describe`, `test`
 * and `expect`) and no Kafka client: the port only reads, so what the cases read is
 * written through a fixture the caller implements with any client (`KafkaFixture`).
 *
 * @module @kf/protocol/kafka-testkit
 */
export {
  kafkaAccessConformance,
  kafkaAccessFailoverConformance,
  kafkaConformanceCaseCount,
} from './conformance.js';
export { pollBatches, type RangeRead, readRange } from './context.js';
export type {
  FailoverFixture,
  GroupMember,
  KafkaFixture,
  ProducedRecord,
  ProducerCodec,
  TopicSpec,
  TransactionalProducer,
} from './fixture.js';
export type {
  KafkaAssertion,
  KafkaConformanceOptions,
  KafkaFailoverOptions,
  KafkaSuiteOptions,
  KafkaTestRunner,
  OptionalKafkaMethod,
  RangeReader,
  RangeToRead,
} from './runner.js';
