export { isKafkaAccessError, KafkaErrorCode } from './kafka-error-code.js';
export { KafkaRequestError } from './kafka-request-error.js';
export { NotLeaderError, type NotLeaderReason } from './not-leader-error.js';
export { OffsetNotAvailableError } from './offset-not-available-error.js';
export { OffsetOutOfRangeError } from './offset-out-of-range-error.js';
export { type OutOfRangeReplyOptions, outOfRangeReply } from './out-of-range-reply.js';
export { UnknownTopicPartitionError } from './unknown-topic-partition-error.js';
