import {
  KafkaRequestError,
  NotLeaderError,
  OffsetNotAvailableError,
  UnknownTopicPartitionError,
} from '@kf/protocol';
import { type KafkajsErrorShape, kafkaErrorType } from './kafkajs-internals.js';

/** Kafka's error codes the port gives a class of its own (the rest become KafkaRequestError). */
export const KafkaProtocolCode = {
  OffsetOutOfRange: 1,
  UnknownTopicOrPartition: 3,
  LeaderNotAvailable: 5,
  NotLeaderOrFollower: 6,
  ReplicaNotAvailable: 9,
  KafkaStorageError: 56,
  FencedLeaderEpoch: 74,
  UnknownLeaderEpoch: 75,
  OffsetNotAvailable: 78,
  UnknownTopicId: 100,
} as const;

/** Broker codes that mean "ask the metadata who leads now, then retry". */
const NOT_LEADER_CODES = new Set<number>([
  KafkaProtocolCode.NotLeaderOrFollower,
  KafkaProtocolCode.FencedLeaderEpoch,
  KafkaProtocolCode.UnknownLeaderEpoch,
  KafkaProtocolCode.KafkaStorageError,
]);
const NO_LEADER_CODES = new Set<number>([
  KafkaProtocolCode.LeaderNotAvailable,
  KafkaProtocolCode.ReplicaNotAvailable,
]);

/** kafkajs errors that mean the broker could not be reached. */
const UNREACHABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSNumberOfRetriesExceeded',
]);

export interface Target {
  topic: string;
  partition: number;
  nodeId: number | undefined;
  operation: string;
}

/** A broker's partition-level error code as a typed error (offset out of range is the caller's). */
export function errorFromCode(code: number, target: Target, cause?: unknown): Error {
  if (NOT_LEADER_CODES.has(code)) {
    return new NotLeaderError(target.topic, target.partition, 'not-leader', target.nodeId, {
      cause,
    });
  }
  if (NO_LEADER_CODES.has(code)) {
    return new NotLeaderError(target.topic, target.partition, 'leader-unavailable', target.nodeId, {
      cause,
    });
  }
  if (
    code === KafkaProtocolCode.UnknownTopicOrPartition ||
    code === KafkaProtocolCode.UnknownTopicId
  ) {
    return new UnknownTopicPartitionError(target.topic, target.partition, { cause });
  }
  if (code === KafkaProtocolCode.OffsetNotAvailable) {
    return new OffsetNotAvailableError(target.topic, target.partition, target.nodeId, { cause });
  }
  return new KafkaRequestError(target.operation, code, kafkaErrorType(code), { cause });
}

/** Anything kafkajs threw, as a typed error; kf's own errors pass through unchanged. */
export function errorFromThrown(error: unknown, target: Target): Error {
  if (isKfShaped(error)) return error as Error;
  const shape = (error ?? {}) as KafkajsErrorShape;
  if (typeof shape.code === 'number' && shape.type !== undefined) {
    return errorFromCode(shape.code, target, error);
  }
  if (shape.name === 'KafkaJSRequestTimeoutError') {
    return new NotLeaderError(target.topic, target.partition, 'no-reply', target.nodeId, {
      cause: error,
    });
  }
  if (shape.name !== undefined && UNREACHABLE_NAMES.has(shape.name)) {
    return new NotLeaderError(target.topic, target.partition, 'broker-unreachable', target.nodeId, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KafkaRequestError(target.operation, undefined, message, { cause: error });
}

function isKfShaped(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    String((error as { code: string }).code).startsWith('KF_')
  );
}
