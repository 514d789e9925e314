import {
  KafkaRequestError,
  NotLeaderError,
  OffsetNotAvailableError,
  UnknownTopicPartitionError,
} from '@kf/protocol';
import { protocolErrors, protocolErrorsCodesById, TimeoutError } from '@platformatic/kafka';

/** Kafka's error codes the port gives a class of its own (the rest become KafkaRequestError). */
export const KafkaProtocolCode = {
  OffsetOutOfRange: 1,
  UnknownTopicOrPartition: 3,
  LeaderNotAvailable: 5,
  NotLeaderOrFollower: 6,
  ReplicaNotAvailable: 9,
  CoordinatorLoadInProgress: 14,
  CoordinatorNotAvailable: 15,
  NotCoordinator: 16,
  KafkaStorageError: 56,
  FencedLeaderEpoch: 74,
  UnknownLeaderEpoch: 75,
  SaslAuthenticationFailed: 58,
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

/** @platformatic/kafka's codes for a broker that could not be reached or answer. */
const NETWORK_CODE = 'PLT_KFK_NETWORK';

export interface Target {
  topic: string;
  partition: number;
  nodeId: number | undefined;
  operation: string;
}

/** Kafka's name for a numeric error code, for messages (`NOT_LEADER_OR_FOLLOWER`). */
export function kafkaErrorType(code: number): string {
  const id = (protocolErrorsCodesById as Record<number, string | undefined>)[code];
  return id !== undefined && id in protocolErrors ? id : `UNKNOWN_ERROR_CODE_${code}`;
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
  if (code === KafkaProtocolCode.SaslAuthenticationFailed) {
    // Said in words, as kafkajs says it: the broker refused the user or its password.
    return new KafkaRequestError(
      target.operation,
      code,
      `SASL authentication failed (${kafkaErrorType(code)})`,
      { cause },
    );
  }
  if (code === KafkaProtocolCode.OffsetNotAvailable) {
    return new OffsetNotAvailableError(target.topic, target.partition, target.nodeId, { cause });
  }
  return new KafkaRequestError(target.operation, code, kafkaErrorType(code), { cause });
}

/** The broker's error code an error from @platformatic/kafka carries, at any depth. */
export function protocolCode(error: unknown): number | undefined {
  return findInChain(error, (e) =>
    typeof (e as { apiCode?: unknown }).apiCode === 'number'
      ? (e as { apiCode: number }).apiCode
      : undefined,
  );
}

/**
 * Anything @platformatic/kafka threw, as a typed error; kf's own errors pass through.
 * `cause` is what the error carries on: a copy with secrets masked.
 */
export function errorFromThrown(error: unknown, target: Target, cause: unknown = error): Error {
  if (isKfShaped(error)) return error as Error;
  const code = protocolCode(error);
  if (code !== undefined) return errorFromCode(code, target, cause);
  // A certificate Node refused (expired, another CA, a broker not speaking TLS) is a
  // broker kf cannot reach, as kafkajs's port says it: waited out, spending no unit's
  // attempts, rather than error-listing every unit that broker leads. The cause is Node's
  // own error (it carries no secret), so the reason is not lost in an aggregate.
  const tls = findInChain(error, (e) => (isTlsFailure(e) ? (e as Error) : undefined));
  if (tls !== undefined) {
    return new NotLeaderError(target.topic, target.partition, 'broker-unreachable', target.nodeId, {
      cause: tls,
    });
  }
  if (findInChain(error, (e) => (isRequestTimeout(e) ? true : undefined))) {
    return new NotLeaderError(target.topic, target.partition, 'no-reply', target.nodeId, {
      cause,
    });
  }
  if (findInChain(error, (e) => (isNetworkFailure(e) ? true : undefined))) {
    return new NotLeaderError(target.topic, target.partition, 'broker-unreachable', target.nodeId, {
      cause,
    });
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new KafkaRequestError(target.operation, undefined, message, { cause });
}

function isRequestTimeout(error: unknown): boolean {
  // A connection that could not be opened in time is a TimeoutError too: the broker is
  // unreachable then, not slow to answer.
  return error instanceof TimeoutError && error.message === 'Request timed out';
}

/** Node's TLS errors: a certificate it could not verify, or no TLS spoken by the peer. */
function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    (/CERT/.test(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))
  );
}

function isNetworkFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === NETWORK_CODE ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN'
  );
}

/** The first answer `pick` gives for the error, its nested errors (`errors`) or causes. */
function findInChain<T>(error: unknown, pick: (e: unknown) => T | undefined): T | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const found = pick(current);
    if (found !== undefined) return found;
    const { errors, cause } = current as { errors?: unknown; cause?: unknown };
    if (Array.isArray(errors)) queue.push(...errors);
    if (cause !== undefined) queue.push(cause);
  }
  return undefined;
}

function isKfShaped(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    String((error as { code: string }).code).startsWith('KF_')
  );
}
