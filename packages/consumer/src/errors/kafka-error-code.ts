// The codes live in @kf/protocol with the port's error classes; kept here for the
// modules that import them by this path.
export { isKafkaAccessError, KafkaErrorCode } from '@kf/protocol';
