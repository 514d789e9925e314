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

export type { ErrorContext };

// ioredis words its connection failures as plain errors; these are the ones that mean
// "no connection to send on or to hear from" rather than "the server refused".
const CONNECTION_LOST = [
  'Connection is closed.',
  "Stream isn't writeable",
  'None of startup nodes is available',
  "Cluster isn't ready",
  'Cluster is ended.',
  'Cluster is disconnected.',
  'Failed to refresh slots cache.',
  'Command aborted due to connection close',
  'Connection is aborted',
  'Connection is discarded',
];
const CONNECTION_LOST_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Turns an ioredis failure into the `@kf/protocol` error a caller branches on by
 * `code`. An error it does not recognise is returned as is (with secrets masked), so
 * nothing is hidden behind a wrong class.
 */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (isKfError(error)) return error;
  const cause = redactedError(error, context.secrets);
  const { command } = context;
  if (context.closed) {
    return new ConnectionClosedError(`Redis ${command} failed: the adapter was closed`, { cause });
  }
  const message = cause.message;
  if (isReplyError(error)) {
    return context.scriptName === undefined
      ? new CommandError(command, message, { cause })
      : new ScriptError(context.scriptName, message, { cause });
  }
  if (message === 'Command timed out') {
    return new CommandTimeoutError(command, context.timeoutMs, { cause });
  }
  if (message.startsWith('Too many Cluster redirections')) {
    return new ClusterRedirectError(command, { cause });
  }
  if (isConnectionLoss(error, message)) {
    return new ConnectionClosedError(`Redis ${command} failed: connection lost (${message})`, {
      cause,
    });
  }
  return cause;
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

function isConnectionLoss(error: unknown, message: string): boolean {
  if (!(error instanceof Error)) return false;
  if (CONNECTION_LOST_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  return CONNECTION_LOST.some((text) => message.startsWith(text));
}
