import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before each attempt; a string stops the wait at once with that reason. */
  abortIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, so readiness is
 * observed rather than guessed with a fixed sleep. The last probe error is kept as the
 * cause when time runs out.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) throw new Error(`${options.what}: ${aborted}`, { cause: lastError });
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${options.what}: not ready after ${options.timeoutMs} ms${why}`, {
        cause: lastError,
      });
    }
    await delay(interval);
  }
}
