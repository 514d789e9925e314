/** Settles with `work`, or rejects with the signal's reason once it aborts. */
export type AbortRace = <T>(work: Promise<T>) => Promise<T>;

/** A call the race gave up on that is still running (user code ignoring its signal). */
export interface Overrun {
  /** Settles once the call has (its result is of no interest any more). */
  settled: Promise<void>;
  /** When the call's time ran out (`performance.now()`). */
  since: number;
}

export interface CallLimit {
  /** Races one call (a fetch, or a call of user code) against its time and the signal. */
  race: AbortRace;
  /** Aborted when a call's time is up, or when `outer` aborts (until `dispose()`). */
  signal: AbortSignal;
  /** The call whose time ran out, while it still runs. */
  overrun(): Overrun | undefined;
  dispose(): void;
}

/**
 * Limits each call one unit waits on (a fetch, or a call of user code: one at a time; a
 * fetch sent ahead while user code runs is raced once the unit waits on it) to
 * `timeoutMs`: a hung call ends the attempt, while a slow unit that
 * keeps making progress never meets the limit. One timer and one abort listener serve
 * the whole sequence: a timer or listener per message costs a measurable share of a
 * no-op handler's time, so the timer re-arms itself for the current call's remainder.
 * The raced call runs on (a promise cannot be cancelled); one that honours the signal
 * stops too, and `overrun()` tells whether it did.
 */
export function limitCalls(
  outer: AbortSignal,
  timeoutMs: number,
  timedOut: () => Error,
): CallLimit {
  // Not AbortSignal.any: a signal combined with the node's long-lived close signal, and
  // its listener, live as long as that signal can fire — a few KB per unit until close.
  const controller = new AbortController();
  const signal = controller.signal;
  const forward = () => controller.abort(outer.reason);
  if (outer.aborted) forward();
  else outer.addEventListener('abort', forward, { once: true });
  let current: Promise<unknown> | undefined;
  let startedAt = 0;
  let timedOutAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let rejectCurrent: ((reason: unknown) => void) | undefined;

  const check = () => {
    timer = undefined;
    if (current === undefined || signal.aborted) return;
    const left = startedAt + timeoutMs - performance.now();
    if (left > 0) {
      timer = setTimeout(check, left);
      return;
    }
    timedOutAt = performance.now();
    controller.abort(timedOut());
  };
  signal.addEventListener('abort', () => rejectCurrent?.(signal.reason), { once: true });

  const race: AbortRace = <T>(work: Promise<T>) => {
    if (signal.aborted) {
      // Not raced, and so not observed: its rejection must not go unhandled.
      work.catch(() => undefined);
      return Promise.reject(signal.reason);
    }
    current = work;
    startedAt = performance.now();
    const done = () => {
      if (current === work) current = undefined;
    };
    work.then(done, done);
    timer ??= setTimeout(check, timeoutMs);
    return new Promise<T>((resolve, reject) => {
      rejectCurrent = reject;
      work.then(resolve, reject);
    });
  };

  return {
    race,
    signal,
    overrun() {
      const running = current;
      if (running === undefined || timedOutAt === undefined) return undefined;
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      return { settled, since: timedOutAt };
    },
    dispose() {
      clearTimeout(timer);
      timer = undefined;
      outer.removeEventListener('abort', forward);
    },
  };
}
