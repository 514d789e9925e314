import { setTimeout as delay } from 'node:timers/promises';
import type { IRedis } from '@kf/protocol';

export interface WriteOutcome {
  value: string;
  startedAt: number;
  endedAt: number;
  error?: unknown;
}

/**
 * Pushes a numbered value onto `key` every `intervalMs`, each push on its own so a
 * write stuck in a dead connection does not stop the next ones from being tried: the
 * first success after a fault shows when service came back. Bounded: it stops after
 * `maxWrites` or on `stop()`.
 */
export function startWriteLoop(
  redis: IRedis,
  key: string,
  options: { intervalMs: number; maxWrites: number },
) {
  const outcomes: WriteOutcome[] = [];
  const pending = new Set<Promise<void>>();
  let running = true;
  const loop = (async () => {
    for (let seq = 1; running && seq <= options.maxWrites; seq++) {
      const value = String(seq);
      const startedAt = performance.now();
      const write = redis.listPush(key, [value], { side: 'right' }).then(
        () => {
          outcomes.push({ value, startedAt, endedAt: performance.now() });
        },
        (error: unknown) => {
          outcomes.push({ value, startedAt, endedAt: performance.now(), error });
        },
      );
      pending.add(write);
      void write.finally(() => pending.delete(write));
      await delay(options.intervalMs);
    }
  })();
  return {
    outcomes,
    /** The first write started after `since` that succeeded, once there is one. */
    firstSuccessAfter(since: number): WriteOutcome | undefined {
      return outcomes
        .filter((o) => o.error === undefined && o.startedAt >= since)
        .sort((a, b) => a.endedAt - b.endedAt)[0];
    },
    async stop(): Promise<WriteOutcome[]> {
      running = false;
      await loop;
      await Promise.all(pending);
      return outcomes;
    },
  };
}
