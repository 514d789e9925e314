import { DEFAULT_COMMAND_TIMEOUT_MS } from '@kf/ioredis-shared';

/** Redis's default `cluster-node-timeout`. */
export const DEFAULT_NODE_TIMEOUT_MS = 15_000;

/** How often a command cut off by a fail-over is retried. */
const RETRY_DELAY_MS = 200;

/** MOVED/ASK hops a command may take when no fail-over is going on (ioredis's default). */
const PLAIN_REDIRECTIONS = 16;

export interface FailoverSettings {
  /** How long a fail-over may last and commands still succeed. */
  budgetMs: number;
  retryDelayOnFailover: number;
  retryDelayOnClusterDown: number;
  retryDelayOnTryAgain: number;
  maxRedirections: number;
  commandTimeoutMs: number;
}

/**
 * ioredis retries a command that lost its connection (`retryDelayOnFailover`) or got
 * CLUSTERDOWN (`retryDelayOnClusterDown`) until `maxRedirections` attempts are spent.
 * A fail-over takes `cluster-node-timeout` to detect the master as failed, then an
 * election of about a second; the budget is twice the node timeout plus 2 s. While
 * the dead master still owns its slots, one attempt can spend two redirections (a
 * MOVED from a live node pointing at the dead one, then the failed connection to it),
 * so the count doubles.
 */
export function failoverSettings(
  nodeTimeoutMs: number,
  commandTimeoutMs?: number,
): FailoverSettings {
  const budgetMs = 2 * nodeTimeoutMs + 2_000;
  return {
    budgetMs,
    retryDelayOnFailover: RETRY_DELAY_MS,
    retryDelayOnClusterDown: RETRY_DELAY_MS,
    retryDelayOnTryAgain: RETRY_DELAY_MS,
    maxRedirections: 2 * Math.ceil(budgetMs / RETRY_DELAY_MS) + PLAIN_REDIRECTIONS,
    commandTimeoutMs: commandTimeoutMs ?? Math.max(DEFAULT_COMMAND_TIMEOUT_MS, budgetMs),
  };
}
