import { E_CANCELED, Semaphore } from 'async-mutex';

/**
 * A node's slots for units, and the background work its close must wait for, with one
 * owner. A unit runs only while it holds a slot, so at most `size` run at once; the
 * claim loop waits in `acquire()` and is woken by whichever release frees a slot. Work
 * that holds no slot (a failed unit handed back after its backoff) is only `track`ed:
 * `drain()` waits for it, and it never keeps the claim loop waiting.
 */
export class UnitSlots {
  private readonly semaphore: Semaphore;
  private readonly tracked = new Set<Promise<unknown>>();
  private running = 0;
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`UnitSlots: size must be an integer >= 1, got ${size}`);
    }
    this.semaphore = new Semaphore(size);
  }

  /** Slots taken now: units running, and the claim loop's slot while it claims. */
  get busy(): number {
    return this.size - this.semaphore.getValue();
  }

  /** Units running now (tracked with `trackUnit`). */
  get units(): number {
    return this.running;
  }

  /** Background work not yet settled, slot-holding or not. */
  get pending(): number {
    return this.tracked.size;
  }

  /**
   * Resolves with the slot's release (safe to call more than once) as soon as one is
   * free, or with `undefined` once `close()` was called.
   */
  async acquire(): Promise<(() => void) | undefined> {
    if (this.closed) return undefined;
    try {
      const [, release] = await this.semaphore.acquire();
      if (!this.closed) return release;
      release();
      return undefined;
    } catch (error) {
      if (error === E_CANCELED) return undefined;
      throw error;
    }
  }

  /**
   * Up to `most` more slots, only those free now (it never waits): what one claim may
   * fill beside the slot its caller waited for. Empty once `close()` was called.
   */
  async acquireFree(most: number): Promise<Array<() => void>> {
    const releases: Array<() => void> = [];
    while (releases.length < most && !this.closed && this.semaphore.getValue() > 0) {
      const release = await this.acquire();
      if (release === undefined) break;
      releases.push(release);
    }
    return releases;
  }

  /** Keeps `work` for `drain()`; its outcome is the caller's to handle. */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked.add(work);
    const untrack = () => this.tracked.delete(work);
    work.then(untrack, untrack);
    return work;
  }

  /** As `track`, counted in `units` while it runs: a claimed unit's whole processing. */
  trackUnit<T>(work: Promise<T>): Promise<T> {
    this.running += 1;
    const done = () => {
      this.running -= 1;
    };
    work.then(done, done);
    return this.track(work);
  }

  /** No slot is handed out any more; a waiting `acquire()` resolves with `undefined`. */
  close(): void {
    this.closed = true;
    this.semaphore.cancel();
  }

  /** Settles once every tracked piece of work has, including work tracked meanwhile. */
  async drain(): Promise<void> {
    while (this.tracked.size > 0) await Promise.allSettled([...this.tracked]);
  }
}
