import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /**
   * Checked before each attempt and every `intervalMs` while one is under way; a string
   * stops the wait at once with that reason, without waiting for the attempt to end.
   */
  abortIf?: () => string | undefined;
}

/** The reason `abortIf` gave, raised out of an attempt still under way. */
class Aborted extends Error {}

/**
 * `attempt`, unless `abortIf` gives a reason first: a probe hanging on whatever holds a
 * port (another process's server) must not delay noticing that our server exited.
 */
function unlessAborted<T>(
  attempt: Promise<T>,
  abortIf: (() => string | undefined) | undefined,
  everyMs: number,
): Promise<T> {
  if (!abortIf) return attempt;
  return new Promise<T>((resolve, reject) => {
    const timer = setInterval(() => {
      const reason = abortIf();
      if (reason) {
        clearInterval(timer);
        reject(new Aborted(reason));
      }
    }, everyMs);
    // The attempt settles later on its own; its result is then ignored.
    attempt.then(
      (value) => {
        clearInterval(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearInterval(timer);
        reject(error);
      },
    );
  });
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
      const value = await unlessAborted(probe(), options.abortIf, interval);
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof Aborted) {
        throw new Error(`${options.what}: ${error.message}`, { cause: lastError });
      }
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
