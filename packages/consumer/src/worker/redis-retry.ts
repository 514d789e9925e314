import { ErrorCode, isKfError, type Logger } from '@kf/protocol';
import pRetry from 'p-retry';

// Replies a Redis gives while it fails over, loads its data or has no quorum: the same
// write succeeds once it is done.
const PASSING_REPLY = /^(READONLY|LOADING|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/** Whether a Redis call that failed this way may succeed if sent again. */
export function isTransientRedisError(error: unknown): boolean {
  if (
    isKfError(error, ErrorCode.ConnectionClosed) ||
    isKfError(error, ErrorCode.CommandTimeout) ||
    isKfError(error, ErrorCode.ClusterRedirectExhausted)
  ) {
    return true;
  }
  if (isKfError(error, ErrorCode.Command) || isKfError(error, ErrorCode.Script)) {
    const reply = (error as unknown as { serverMessage?: unknown }).serverMessage;
    return typeof reply === 'string' && PASSING_REPLY.test(reply);
  }
  return false;
}

/**
 * Runs a Redis write that must not be given up while Redis is only briefly away (a
 * unit's completion: dropping it would strand the unit in a live node's working list).
 * Retries transient failures with backoff until it succeeds or `signal` aborts. The
 * signal only stops further attempts: handed to p-retry it would also turn a write that
 * succeeded while it aborted into a failure, and a written outcome be reported unwritten.
 */
export function retryWhileRedisAway<T>(
  what: string,
  write: () => Promise<T>,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<T> {
  return pRetry(write, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 50,
    maxTimeout: 2_000,
    randomize: true,
    shouldRetry: ({ error }) => options.signal?.aborted !== true && isTransientRedisError(error),
    onFailedAttempt: ({ error, attemptNumber }) => {
      options.logger.warn({ err: error, attempt: attemptNumber }, `${what}: Redis away, retrying`);
    },
  });
}
