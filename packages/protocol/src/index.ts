/**
 * The contract between kf and Redis: the `IRedis` interface every adapter implements, the
 * script and reply types, the error classes and the logger and redaction helpers. It has no
 * runtime dependencies, so a third-party adapter can build on it alone.
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
