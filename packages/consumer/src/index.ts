/**
 * Consume Kafka topics with any number of Node.js processes together, coordinated in Redis:
 * `createNode` starts a node, `openGroupAdmin` operates a group from code, and
 * `createKafkaAccess` is the port on kafkajs through which both read Kafka.
 *
 * @module @kf/consumer
 */

// The Kafka port's contract lives in @kf/protocol, where a Kafka client implementation
// that does not depend on this package finds it; re-exported (the same class objects) so
// code that imports it from here keeps working.
export {
  type AwaitLogEndsOptions,
  type BrokerAddress,
  type ClusterMetadata,
  type FetchRequest,
  type FetchResult,
  type Isolation,
  isKafkaAccessError,
  type KafkaAccess,
  KafkaErrorCode,
  type KafkaRecord,
  KafkaRequestError,
  type LogEnd,
  NotLeaderError,
  type NotLeaderReason,
  OffsetNotAvailableError,
  OffsetOutOfRangeError,
  type PartitionMetadata,
  type PartitionOffset,
  type PartitionOffsets,
  type RecordHeader,
  type TopicMetadata,
  UnknownTopicPartitionError,
  type WatchedPartition,
} from '@kf/protocol';
export {
  GroupAdminError,
  GroupAdminErrorCode,
} from './admin/group-admin-error.js';
export type {
  ErrorFilter,
  GroupErrors,
  IndexedError,
  PurgeResult,
} from './admin/group-errors.js';
export type { GroupLag, PartitionLag, TopicLag } from './admin/group-lag.js';
export type { PauseResult, ResumeResult } from './admin/group-pause.js';
export type { GroupStatus, NodeState } from './admin/group-status.js';
export type {
  OffsetResetRequest,
  OffsetResetResult,
  PartitionReset,
  UnitRange,
  UnreadableUnit,
} from './admin/offset-reset.js';
export {
  type GroupAdmin,
  type GroupAdminOptions,
  openGroupAdmin,
} from './admin/open-group-admin.js';
export type { PauseNote } from './admin/pause-note.js';
export type { ResetTarget } from './admin/reset-target.js';
export {
  CodecUnsupportedError,
  HandlerTimeoutError,
  NodeClosedError,
  NodeErrorCode,
  NodeStartError,
} from './errors/index.js';
export { type RegisteredCodecs, registerCodecs } from './kafka/codecs/register-codecs.js';
export { createKafkaAccess, type KafkaAccessOptions } from './kafka/create-kafka-access.js';
export { type CreateNodeOptions, createNode } from './node/create-node.js';
export type { ErrorList, ListedError, RequeueResult } from './node/error-list.js';
export type {
  HealthChecks,
  HealthOptions,
  NodeHealth,
  ProbeResult,
} from './node/health.js';
export type { CloseOptions, KfNode, NodeStatus } from './node/kf-node.js';
export type { LeaseHealth } from './node/lease-keeper.js';
export type {
  NodeEvents,
  OffsetsMovedEvent,
  PartitionsAddedEvent,
  SettleFailedEvent,
  UnitClaimedEvent,
  UnitCompletedEvent,
  UnitFailedEvent,
  UnitsScheduledEvent,
} from './node/node-events.js';
export type {
  MeterProviderLike,
  TelemetryOptions,
  TextMapPropagatorLike,
  TracerProviderLike,
} from './telemetry/telemetry-options.js';
export type { WorkUnit } from './work-unit/work-unit.js';
export type { ErrorEntry, ErrorReason } from './worker/fail-unit.js';
export type {
  EachBatchPayload,
  EachMessagePayload,
  KfBatch,
  KfMessage,
  RunOptions,
  UnitInfo,
} from './worker/message.js';
