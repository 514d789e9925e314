import { randomUUID } from 'node:crypto';
import { type HostPort, type ManagedProcess, waitUntil, withRedis } from '@kf/devstack';
import { type IRedis, isKfError } from '@kf/protocol';
import { expect } from 'vitest';
import { startWriteLoop, type WriteOutcome } from './write-loop.js';

export type MoveEnd = ({ value: string | null } | { error: unknown }) & { endedAt: number };

export interface FailOver {
  /** When the master was killed (`performance.now()`). */
  readonly killedAt: number;
  /** The first write after the kill that succeeded: one the new master served. */
  readonly recovered: WriteOutcome;
  /** Every write's outcome, in the order they ended. */
  readonly outcomes: WriteOutcome[];
  readonly writeRecoveryMs: number;
  /**
   * Every write that failed failed with a fail-over's error, and none that started after
   * the first write the new master served. Returns the failures.
   */
  expectFailuresOnlyDuringFailOver(): WriteOutcome[];
  /**
   * The new master, at `holder`, holds every write acknowledged from the first it served
   * on (earlier ones may be lost to asynchronous replication), and there were 10 at least.
   */
  expectWritesKeptAfterRecovery(holder: HostPort): Promise<void>;
}

export interface WritesAcrossFailOver {
  /** Keys of one hash slot, new for each scenario: writes, and a blocking move's lists. */
  readonly writes: string;
  readonly source: string;
  readonly destination: string;
  /** A blocking move from `source`'s right to `destination`'s left. */
  blockingMove(timeoutMs: number): Promise<string | null>;
  /**
   * A blocking move begun now, to be caught by the kill: it settles with its reply or
   * its error, and when, so the fault may end it without a rejection.
   */
  blockingMoveAcrossKill(timeoutMs: number): Promise<MoveEnd>;
  /**
   * Pushes onto `writes` every 100 ms and, once a write has succeeded, kills `master`
   * with SIGKILL: waits for a write after the kill to succeed (for `recoveryBoundMs` and
   * 10 s more, so a slow recovery fails its assertion, with its figure) and for 10 more
   * after that one, then stops writing.
   */
  killMaster(master: ManagedProcess, recoveryBoundMs: number): Promise<FailOver>;
  /** `error` is kf's, with one of the codes a caller may see while the master fails over. */
  expectFailOverError(error: unknown): void;
}

/**
 * A master killed under `redis` while it writes and blocks: `failOverCodes` are the
 * errors a caller may see meanwhile.
 */
export function writesAcrossFailOver(redis: IRedis, failOverCodes: string[]): WritesAcrossFailOver {
  const tag = `{failover-${randomUUID()}}`;
  const writes = `kf:${tag}:writes`;
  const source = `kf:${tag}:work`;
  const destination = `kf:${tag}:working`;
  const expectFailOverError = (error: unknown) => {
    expect(isKfError(error)).toBe(true);
    expect(failOverCodes).toContain((error as { code: string }).code);
  };
  const blockingMove = (timeoutMs: number) =>
    redis.listBlockingMove(source, destination, { from: 'right', to: 'left', timeoutMs });
  return {
    writes,
    source,
    destination,
    blockingMove,
    blockingMoveAcrossKill: (timeoutMs) =>
      blockingMove(timeoutMs).then(
        (value) => ({ value, endedAt: performance.now() }),
        (error: unknown) => ({ error, endedAt: performance.now() }),
      ),
    async killMaster(master, recoveryBoundMs) {
      const loop = startWriteLoop(redis, writes, { intervalMs: 100, maxWrites: 400 });
      await waitUntil(async () => (loop.outcomes.some((o) => !o.error) ? true : undefined), {
        what: 'writes before the kill',
        timeoutMs: 5_000,
      });

      const killedAt = performance.now();
      master.signal('SIGKILL');
      const recovered = await waitUntil(async () => loop.firstSuccessAfter(killedAt), {
        what: 'a write served by the new master',
        timeoutMs: recoveryBoundMs + 10_000,
        intervalMs: 50,
      });
      // A few more writes after recovery, then stop: they must all succeed.
      await waitUntil(
        async () =>
          loop.outcomes.filter((o) => !o.error && o.startedAt > recovered.endedAt).length >= 10
            ? true
            : undefined,
        { what: 'writes after recovery', timeoutMs: 10_000 },
      );
      const outcomes = await loop.stop();
      return {
        killedAt,
        recovered,
        outcomes,
        writeRecoveryMs: recovered.endedAt - killedAt,
        expectFailuresOnlyDuringFailOver() {
          const failures = outcomes.filter((o) => o.error !== undefined);
          for (const failure of failures) expectFailOverError(failure.error);
          expect(failures.filter((o) => o.startedAt > recovered.endedAt)).toEqual([]);
          return failures;
        },
        async expectWritesKeptAfterRecovery(holder) {
          const stored = new Set(await withRedis(holder, (c) => c.lrange(writes, 0, -1)));
          const acknowledgedAfter = outcomes.filter(
            (o) => !o.error && o.startedAt >= recovered.startedAt,
          );
          expect(acknowledgedAfter.length).toBeGreaterThanOrEqual(10);
          expect(acknowledgedAfter.filter((o) => !stored.has(o.value))).toEqual([]);
        },
      };
    },
    expectFailOverError,
  };
}
