import { processServing, startRedisSentinel, withRedis } from '@kf/devstack';
import { ErrorCode } from '@kf/protocol';
import { describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { useAdapterOnService } from './support/adapter-on-service.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { writesAcrossFailOver } from './support/writes-across-fail-over.js';

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
  const started = useAdapterOnService(
    () => startRedisSentinel({ downAfterMs: 1_000 }),
    (sentinel) =>
      createNodeRedis({
        topology: 'sentinel',
        sentinels: sentinel.info.sentinels,
        name: sentinel.info.masterName,
        commandTimeoutMs: 4_000,
      }),
  );

  test('is replaced by the replica and the adapter serves writes and blocking moves again on its own', async ({
    annotate,
  }) => {
    const { service: sentinel, redis } = started;
    const scenario = writesAcrossFailOver(redis, FAIL_OVER_CODES);
    const { writes, source, destination } = scenario;
    const { master, replica } = sentinel.info;
    const victim = await processServing(master, sentinel.processes);

    await redis.listPush(writes, ['0'], { side: 'right' });
    // Longer than the fail-over may take, short enough that a move the driver leaves
    // waiting on the dead master (seen with node-redis 5) costs this, not a minute.
    const blocked = scenario.blockingMoveAcrossKill(BLOCKED_MOVE_MS);
    const failOver = await scenario.killMaster(victim, RECOVERY_BOUND_MS);
    const { killedAt, writeRecoveryMs } = failOver;

    // The move blocked when the master died either ended with a typed error, or was
    // carried over to the new master by node-redis and is still waiting there: an
    // element pushed now reaches it (or a new move, if it ended).
    await redis.listPush(source, ['unit-1'], { side: 'left' });
    const first = await blocked;
    // Ended (a typed error, or its time ran out before the push): a new move claims it.
    const ended = 'error' in first || first.value === null;
    const claimedBy = ended ? 'a new move' : 'the move blocked since before the kill';
    if ('error' in first) scenario.expectFailOverError(first.error);
    if (ended) {
      expect(await scenario.blockingMove(5_000)).toBe('unit-1');
    } else {
      expect(first.value).toBe('unit-1');
    }
    const blockingRecoveryMs = performance.now() - killedAt;

    const failures = failOver.expectFailuresOnlyDuringFailOver();
    expect(writeRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

    // The former replica is the master now and holds every write acknowledged after
    // the fail-over, and the element the blocking move claimed.
    const role = await withRedis(replica, async (c) => (await c.call('ROLE')) as [string]);
    expect(role[0]).toBe('master');
    await failOver.expectWritesKeptAfterRecovery(replica);
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
