/**
 * How long a failed unit waits before it is queued again: `retryBackoffMs` doubled per
 * attempt already made, capped at `maxRetryBackoffMs`, with up to 20% jitter taken off
 * so units that failed together (a broker restart) do not all return at once.
 */
export function retryDelay(
  attempts: number,
  conf: { retryBackoffMs: number; maxRetryBackoffMs: number },
  random: () => number = Math.random,
): number {
  const doubled = conf.retryBackoffMs * 2 ** Math.min(attempts, 30);
  const capped = Math.min(conf.maxRetryBackoffMs, doubled);
  return Math.round(capped * (1 - 0.2 * random()));
}
