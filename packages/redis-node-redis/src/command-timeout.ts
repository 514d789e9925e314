import { CommandTimeoutError } from '@kf/protocol';

/**
 * Runs `work` with a deadline. node-redis's own per-command timeout stops counting
 * once a command is written, so a server that accepted the command and then hung (or
 * was killed with the reply owed) would leave the caller waiting forever; this one
 * covers the whole wait. On expiry the signal is aborted, which drops the command
 * from node-redis's queue when it has not been written yet.
 */
export async function withTimeout<T>(
  command: string,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  abandon?: Promise<never>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CommandTimeoutError(command, timeoutMs));
      controller.abort();
    }, timeoutMs);
  });
  const running = work(controller.signal);
  // When the deadline (or `abandon`) wins, the work's late failure has no one to hear it.
  running.catch(() => undefined);
  try {
    return await Promise.race(abandon ? [running, deadline, abandon] : [running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
