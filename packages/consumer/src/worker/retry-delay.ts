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

/**
 * How long a unit waits before it is queued again after Kafka could not serve its
 * partition (`NotLeaderError`: leadership moving, no leader, the leader's broker
 * unreachable). Such a failure is not counted as an attempt, so `retryDelay` would not
 * grow; the wait grows instead with how long this node has seen the partition
 * unavailable: about as long again as that stretch has lasted so far — retries at
 * roughly doubling times from its start, as with attempts — at least `retryBackoffMs`
 * and at most `maxRetryBackoffMs`, with the same jitter. The first failures of a
 * stretch wait `retryBackoffMs`: a leader that merely moved is found by the metadata
 * refresh that precedes the retry, and every unit that failed with it returns soon.
 *
 * A stretch ends once no unit of the partition failed this way for
 * `maxRetryBackoffMs + handlerTimeoutMs`: while Kafka stays unavailable, a requeued
 * unit fails again within its wait (at most `maxRetryBackoffMs`) and its next fetch
 * (bounded by `handlerTimeoutMs`). A stretch that ends that way starts over at
 * `retryBackoffMs`, but then each retry is paced by a slow attempt: no loop runs hot.
 * The state is this node's, per partition, in memory; the unit format is unchanged.
 */
export class UnavailabilityBackoff {
  private readonly stretches = new Map<string, { since: number; last: number }>();

  constructor(
    private readonly conf: {
      retryBackoffMs: number;
      maxRetryBackoffMs: number;
      handlerTimeoutMs: number;
    },
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait for a unit of `topic`/`partition` that Kafka could not serve just now. */
  next(topic: string, partition: number): number {
    const now = this.now();
    const window = this.conf.maxRetryBackoffMs + this.conf.handlerTimeoutMs;
    for (const [key, stretch] of this.stretches) {
      if (now - stretch.last > window) this.stretches.delete(key);
    }
    const key = JSON.stringify([topic, partition]);
    const stretch = this.stretches.get(key) ?? { since: now, last: now };
    stretch.last = now;
    this.stretches.set(key, stretch);
    const lasted = now - stretch.since;
    const wait = Math.min(this.conf.maxRetryBackoffMs, Math.max(this.conf.retryBackoffMs, lasted));
    return Math.round(wait * (1 - 0.2 * this.random()));
  }
}
