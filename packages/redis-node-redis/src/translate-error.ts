import {
  ClusterRedirectError,
  CommandError,
  CommandTimeoutError,
  ConnectionClosedError,
  type ErrorContext,
  isKfError,
  redactedError,
  ScriptError,
} from '@kf/protocol';
import { classNames } from './driver-errors.js';

export type { ErrorContext };

// Server replies that are about where a key lives, not about the command: the cluster
// is moving slots or electing a master and kept doing so past the redirection limit.
const CLUSTER_REPLY_PREFIXES = new Set(['MOVED', 'ASK', 'CLUSTERDOWN', 'TRYAGAIN']);

// node-redis's classes for "no connection to send on or to hear from", by class name
// so a caller's copy of `redis` (another major version, another bundle) is recognised.
const CONNECTION_LOST_CLASSES = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'DisconnectsClientError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'RootNodesUnavailableError',
  'ReconnectStrategyError',
]);
// Plain `Error`s node-redis throws when a cluster or Sentinel has no usable connection.
const CONNECTION_LOST_MESSAGES = ['Cannot find node', 'Cluster closed', 'no replicas available'];
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

/**
 * Turns a node-redis failure into the `@kf/protocol` error a caller branches on by
 * `code`. An error it does not recognise is passed on (masked) rather than put behind
 * a class that would misname it.
 */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (isKfError(error)) return error;
  const cause = redactedError(error, context.secrets);
  const { command } = context;
  const classes = classNames(error);
  const message = cause.message;
  // The server's answer stands even when it arrives while the adapter is closing.
  if (classes.has('ErrorReply')) return translateReply(message, cause, context);
  if (context.closed) {
    return new ConnectionClosedError(`Redis ${command} failed: the adapter was closed`, { cause });
  }
  if (classes.has('MaxCommandRedirectionsError')) {
    return new ClusterRedirectError(command, { cause });
  }
  if (classes.has('TimeoutError')) {
    return new CommandTimeoutError(command, context.timeoutMs, { cause });
  }
  if (isConnectionLoss(error, classes, message)) {
    return new ConnectionClosedError(`Redis ${command} failed: connection lost (${message})`, {
      cause,
    });
  }
  return cause;
}

function translateReply(message: string, cause: Error, context: ErrorContext): Error {
  const prefix = message.split(' ', 1)[0] ?? '';
  if (CLUSTER_REPLY_PREFIXES.has(prefix)) {
    return new ClusterRedirectError(context.command, { cause });
  }
  // CROSSSLOT is the command's keys, not the script's code, going wrong.
  if (context.scriptName !== undefined && prefix !== 'CROSSSLOT') {
    return new ScriptError(context.scriptName, message, { cause });
  }
  return new CommandError(context.command, message, { cause });
}

function isConnectionLoss(error: unknown, classes: Set<string>, message: string): boolean {
  if ([...classes].some((name) => CONNECTION_LOST_CLASSES.has(name))) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return CONNECTION_LOST_MESSAGES.some((text) => message.startsWith(text));
}
