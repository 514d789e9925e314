/** Settles with `work`, or rejects with the signal's reason once it aborts. */
export type AbortRace = <T>(work: Promise<T>) => Promise<T>;

/**
 * A race against one signal for a sequence of awaits (one unit's fetches and handler
 * calls, which never overlap): a hung fetch or handler cannot hold a worker past its
 * unit's time. The signal is listened to once for the whole sequence, not once per
 * message: per-message listeners cost a measurable share of a no-op handler's time.
 * The raced work runs on (a promise cannot be cancelled); a handler that honours the
 * signal stops too.
 */
export function createAbortRace(signal: AbortSignal): AbortRace {
  let rejectCurrent: ((reason: unknown) => void) | undefined;
  signal.addEventListener('abort', () => rejectCurrent?.(signal.reason), { once: true });
  return <T>(work: Promise<T>) => {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      rejectCurrent = reject;
      work.then(resolve, reject);
    });
  };
}
