// The port's types live in @kf/protocol, where a Kafka client implementation that does
// not depend on @kf/consumer finds them; this module keeps the kafkajs port's imports.
export type * from '@kf/protocol';
