/**
 * Marks kf's errors so they are recognised across copies of this package (an ESM and a
 * CJS copy, or two versions in one tree), where `instanceof` fails: `Symbol.for` is
 * shared by every copy.
 */
export const KF_ERROR = Symbol.for('kf.error');

/** The stable codes of kf's errors; callers branch on these, never on messages. */
export const ErrorCode = {
  ConnectionClosed: 'KF_CONNECTION_CLOSED',
  CommandTimeout: 'KF_COMMAND_TIMEOUT',
  Command: 'KF_COMMAND_ERROR',
  Script: 'KF_SCRIPT_ERROR',
  ClusterRedirectExhausted: 'KF_CLUSTER_REDIRECT_EXHAUSTED',
  AdapterNotInstalled: 'KF_ADAPTER_NOT_INSTALLED',
  ConfigInvalid: 'KF_CONFIG_INVALID',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Any kf error code: those above, the Kafka port's (`KafkaErrorCode`), and those other kf
 * packages add for their own errors (the consumer's node errors, for example). Every one
 * starts with `KF_`.
 */
export type KfErrorCode = ErrorCode | `KF_${string}`;

/** The base of every error kf throws: a `name`, a stable `code`, and the `cause` it wraps. */
export abstract class KfError extends Error {
  abstract override readonly name: string;
  abstract readonly code: KfErrorCode;
  readonly [KF_ERROR] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Whether `error` is one of kf's errors, and, when `code` is given, that one. Works on
 * errors thrown by any copy of `@kf/protocol`.
 */
export function isKfError<C extends KfErrorCode>(
  error: unknown,
  code?: C,
): error is KfError & { code: C } {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { [KF_ERROR]?: unknown; code?: unknown };
  if (candidate[KF_ERROR] !== true || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
