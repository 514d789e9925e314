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
 * unreachable or not answering). Such a failure is not counted as an attempt, so
 * `retryDelay` would not grow; the wait grows instead with how long this node has seen
 * the partition unavailable: about as long again as that stretch has lasted so far —
 * retries at roughly doubling times from its start, as with attempts — at least
 * `retryBackoffMs` and at most `maxRetryBackoffMs`, with the same jitter. The first
 * failures of a stretch wait `retryBackoffMs`: a leader that merely moved is found by the
 * metadata refresh that precedes the retry, and every unit that failed with it returns
 * soon.
 *
 * A stretch ends when this node is served the partition again (`served`: Kafka answered
 * a fetch of it), so the next leader move starts afresh at `retryBackoffMs` however soon
 * it comes. It also ends once no unit of the partition failed this way for
 * `maxRetryBackoffMs + handlerTimeoutMs` (the window): while Kafka stays unavailable, a
 * requeued unit fails again within its wait (at most `maxRetryBackoffMs`) and its next
 * fetch (bounded by `handlerTimeoutMs`), unless another node claimed it. A stretch that
 * ends that way starts over at `retryBackoffMs`, but then each retry is paced by a slow
 * attempt: no loop runs hot. That expiry is what bounds the memory: the entries are swept
 * at most once per window, so a call costs O(1) amortised however many partitions a
 * broker's outage takes down, and an entry is gone by the first call two windows after
 * its partition last failed. The state is this node's, per partition, in memory; the
 * unit format is unchanged.
 */
/**
 * The least a unit waits after Kafka could not serve it, whatever the config says: at
 * most a hundred tries a second per unit while a broker refuses connections.
 */
export const MIN_UNAVAILABLE_WAIT_MS = 10;

export class UnavailabilityBackoff {
  private readonly stretches = new Map<string, { since: number; last: number }>();
  private readonly window: number;
  private swept = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly conf: {
      retryBackoffMs: number;
      maxRetryBackoffMs: number;
      handlerTimeoutMs: number;
    },
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    this.window = conf.maxRetryBackoffMs + conf.handlerTimeoutMs;
  }

  /** How many partitions' stretches are held. */
  get size(): number {
    return this.stretches.size;
  }

  /** The wait for a unit of `topic`/`partition` that Kafka could not serve just now. */
  next(topic: string, partition: number): number {
    const now = this.now();
    if (now - this.swept > this.window) {
      // Every entry visited here was added or renewed by a call since the sweep before,
      // or is deleted: O(1) amortised per call.
      this.swept = now;
      for (const [key, stretch] of this.stretches) {
        if (now - stretch.last > this.window) this.stretches.delete(key);
      }
    }
    const key = stretchKey(topic, partition);
    let stretch = this.stretches.get(key);
    if (stretch === undefined || now - stretch.last > this.window) {
      stretch = { since: now, last: now };
      this.stretches.set(key, stretch);
    }
    stretch.last = now;
    const lasted = now - stretch.since;
    // Never 0, whatever the config: with both backoffs at 0 a broker refusing connections
    // would otherwise be asked again at network speed for as long as it is down.
    const wait = Math.max(
      MIN_UNAVAILABLE_WAIT_MS,
      Math.min(this.conf.maxRetryBackoffMs, Math.max(this.conf.retryBackoffMs, lasted)),
    );
    return Math.round(wait * (1 - 0.2 * this.random()));
  }

  /**
   * Kafka answered a fetch of `topic`/`partition` on this node: the partition's stretch
   * of unavailability, if any, is over. Called on every answered fetch; O(1), nothing
   * at all while no partition is unavailable.
   */
  served(topic: string, partition: number): void {
    if (this.stretches.size === 0) return;
    this.stretches.delete(stretchKey(topic, partition));
  }
}

/** Unambiguous: the partition, an integer, ends at the first colon. */
function stretchKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
