/**
 * The contracts between kf and its services: the `IRedis` interface every Redis adapter
 * implements, the `KafkaAccess` port every Kafka client implementation implements, their
 * types and error classes, and the logger and redaction helpers. It has no runtime
 * dependencies, so a third-party adapter or Kafka client implementation can build on it
 * alone.
 *
 * @module @kf/protocol
 */
export type { ErrorContext } from './error-context.js';
export {
  AdapterNotInstalledError,
  ClusterRedirectError,
  CommandError,
  CommandTimeoutError,
  ConfigError,
  type ConfigIssue,
  ConnectionClosedError,
  ErrorCode,
  isKfError,
  KF_ERROR,
  KfError,
  type KfErrorCode,
  ScriptError,
} from './errors/index.js';
export {
  isKafkaAccessError,
  KafkaErrorCode,
  KafkaRequestError,
  NotLeaderError,
  type NotLeaderReason,
  OffsetNotAvailableError,
  OffsetOutOfRangeError,
  type OutOfRangeReplyOptions,
  outOfRangeReply,
  UnknownTopicPartitionError,
} from './kafka/errors/index.js';
export type {
  AbortedTransaction,
  AwaitLogEndsOptions,
  BrokerAddress,
  ClusterMetadata,
  FetchRequest,
  FetchResult,
  Isolation,
  KafkaAccess,
  KafkaRecord,
  LogEnd,
  PartitionMetadata,
  PartitionOffset,
  PartitionOffsets,
  PolledRead,
  PolledRecords,
  RecordHeader,
  TopicMetadata,
  WatchedPartition,
} from './kafka/kafka-access.js';
export type {
  KafkaClientOptions,
  KafkaFactory,
  KafkaSasl,
} from './kafka/kafka-client-options.js';
export { checkFetchRequest, checkLogEndsRequest } from './kafka/request-checks.js';
export { type Logger, redactingLogger, silentLogger } from './logger.js';
export { redact, redactedError } from './redaction.js';
export type {
  BlockingListMoveOptions,
  IRedis,
  ListMoveOptions,
  ListSide,
  RedisTopology,
  ScoredMember,
  ScoreRangeOptions,
  SetOptions,
  WaitOptions,
} from './redis.js';
export { defineScript, type RedisScript, type ScriptArg, type ScriptReply } from './script.js';
