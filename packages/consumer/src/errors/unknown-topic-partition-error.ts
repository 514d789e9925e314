// The class lives in @kf/protocol (one class object for both packages); the kafkajs
// port imports it from here.
export { UnknownTopicPartitionError } from '@kf/protocol';
