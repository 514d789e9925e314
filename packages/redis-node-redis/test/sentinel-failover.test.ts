import { randomUUID } from 'node:crypto';
import {
  processServing,
  type RedisSentinel,
  startRedisSentinel,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { startWriteLoop } from './support/write-loop.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

// Errors a caller may see while the master is down and Sentinel promotes the replica.
const FAIL_OVER_CODES: string[] = [ErrorCode.ConnectionClosed, ErrorCode.CommandTimeout];
const RECOVERY_BOUND_MS = 20_000;
// The move blocked across the kill: longer than a fail-over usually takes (about 5 s
// here), so a move carried over to the new master is usually still waiting for the
// push; one that ran out first counts as ended and a new move must claim the element.
const BLOCKED_MOVE_MS = 10_000;

describe(`node-redis ${nodeRedisVersion} Sentinel: the master killed with SIGKILL`, () => {
  let sentinel: RedisSentinel;
  let redis: IRedis;
  beforeAll(async () => {
    sentinel = await startRedisSentinel({ downAfterMs: 1_000 });
    redis = createNodeRedis({
      topology: 'sentinel',
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
      commandTimeoutMs: 4_000,
    });
  });
  afterAll(async () => {
    await redis?.close();
    await sentinel?.stop();
  });

  test('is replaced by the replica and the adapter serves writes and blocking moves again on its own', async ({
    annotate,
  }) => {
    const tag = `{failover-${randomUUID()}}`;
    const writes = `kf:${tag}:writes`;
    const source = `kf:${tag}:work`;
    const destination = `kf:${tag}:working`;
    const { master, replica } = sentinel.info;
    const victim = await processServing(master, sentinel.processes);

    await redis.listPush(writes, ['0'], { side: 'right' });
    // Longer than the fail-over may take, short enough that a move the driver leaves
    // waiting on the dead master (seen with node-redis 5) costs this, not a minute.
    const blocked = redis
      .listBlockingMove(source, destination, {
        from: 'right',
        to: 'left',
        timeoutMs: BLOCKED_MOVE_MS,
      })
      .then(
        (value) => ({ value, endedAt: performance.now() }),
        (error: unknown) => ({ error, endedAt: performance.now() }),
      );
    const loop = startWriteLoop(redis, writes, { intervalMs: 100, maxWrites: 400 });
    await waitUntil(async () => (loop.outcomes.some((o) => !o.error) ? true : undefined), {
      what: 'writes before the kill',
      timeoutMs: 5_000,
    });

    const killedAt = performance.now();
    victim.signal('SIGKILL');
    const recovered = await waitUntil(async () => loop.firstSuccessAfter(killedAt), {
      what: 'a write served by the new master',
      timeoutMs: RECOVERY_BOUND_MS + 10_000,
      intervalMs: 50,
    });
    await waitUntil(
      async () =>
        loop.outcomes.filter((o) => !o.error && o.startedAt > recovered.endedAt).length >= 10
          ? true
          : undefined,
      { what: 'writes after recovery', timeoutMs: 10_000 },
    );
    const outcomes = await loop.stop();
    const writeRecoveryMs = recovered.endedAt - killedAt;

    // The move blocked when the master died either ended with a typed error, or was
    // carried over to the new master by node-redis and is still waiting there: an
    // element pushed now reaches it (or a new move, if it ended).
    await redis.listPush(source, ['unit-1'], { side: 'left' });
    const first = await blocked;
    // Ended (a typed error, or its time ran out before the push): a new move claims it.
    const ended = 'error' in first || first.value === null;
    const claimedBy = ended ? 'a new move' : 'the move blocked since before the kill';
    if ('error' in first) {
      expect(isKfError(first.error)).toBe(true);
      expect(FAIL_OVER_CODES).toContain((first.error as { code: string }).code);
    }
    if (ended) {
      expect(
        await redis.listBlockingMove(source, destination, {
          from: 'right',
          to: 'left',
          timeoutMs: 5_000,
        }),
      ).toBe('unit-1');
    } else {
      expect(first.value).toBe('unit-1');
    }
    const blockingRecoveryMs = performance.now() - killedAt;

    const failures = outcomes.filter((o) => o.error !== undefined);
    for (const failure of failures) {
      expect(isKfError(failure.error)).toBe(true);
      expect(FAIL_OVER_CODES).toContain((failure.error as { code: string }).code);
    }
    expect(failures.filter((o) => o.startedAt > recovered.endedAt)).toEqual([]);
    expect(writeRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

    // The former replica is the master now and holds every write acknowledged after
    // the fail-over, and the element the blocking move claimed.
    const role = await withRedis(replica, async (c) => (await c.call('ROLE')) as [string]);
    expect(role[0]).toBe('master');
    const stored = new Set(await withRedis(replica, (c) => c.lrange(writes, 0, -1)));
    const acknowledgedAfter = outcomes.filter(
      (o) => !o.error && o.startedAt >= recovered.startedAt,
    );
    expect(acknowledgedAfter.length).toBeGreaterThanOrEqual(10);
    expect(acknowledgedAfter.filter((o) => !stored.has(o.value))).toEqual([]);
    expect(await withRedis(replica, (c) => c.lrange(destination, 0, -1))).toEqual(['unit-1']);

    await annotate(
      `writes recovered ${Math.round(writeRecoveryMs)} ms after SIGKILL; ` +
        `${failures.length} writes failed meanwhile (${
          [...new Set(failures.map((f) => (f.error as { code: string }).code))].join(', ') || 'none'
        }); blocking move served by ${claimedBy}, ${Math.round(
          blockingRecoveryMs,
        )} ms after SIGKILL`,
    );
  }, 90_000);
});
