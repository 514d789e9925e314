import { startRedisSingle, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { RECLAIM_BOUND_MS, WAIT_FACTOR } from '../support/fault-bounds.js';
import { faultSummary, firstClaimAfter } from '../support/fault-kit.js';
import { singleRedisConfig, useFaultRuns } from '../support/fault-runs.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const OUTAGE_MS = 30_000;
const LEASE_TTL_MS = 2_000;
/** `conf.leaderLockTtlMs` and `conf.workCalculateFreq`, their defaults. */
const LOCK_TTL_MS = 2_000;
const TICK_MS = 100;
/** The run: 4 partitions, and batches paused so the run lasts. */
const RUN = { partitions: 4, rate: 2_000, pauseMs: 2, flowBefore: 4_000 };

// Every wall-clock bound below is configuration plus a stated margin (fault-bounds.ts).
/**
 * Restart → a unit claimed: the adapter reconnects at most `reconnectDelay` after the
 * server listens; a worker whose claim failed just before waits at most its pause cap
 * more; if the work list came back empty, the lock (run out during the outage) is taken
 * again within a quarter TTL, and one tick schedules; a margin of 1 s (the server's start
 * and AOF load, well under 100 ms here, and a loaded machine).
 */
const RESUMED_BOUND_MS = RECLAIM_BOUND_MS + LOCK_TTL_MS / 4 + TICK_MS + 1_000;

/**
 * Redis goes away for 30 s (the single server stopped, then restarted on its AOF) while
 * messages keep arriving in Kafka: no node crashes, no unit is claimed while Redis is
 * down, consumption resumes within a bound counted from the restart, and nothing is lost.
 */
describe('faults: Redis unavailable', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults-outage' });
  const runs = useFaultRuns(stack, RUN);

  test('30 s without Redis: no node crashes, work resumes, nothing lost', async () => {
    const topic = 'faults-redis-outage';
    const conf = singleRedisConfig(stack, 'faults-outage', {
      useEarliest: true,
      consumeStep: 500,
      leaseTtlMs: LEASE_TTL_MS,
    });
    const now = () => performance.timeOrigin + performance.now();
    const run = await runs.start({ topic, config: conf });
    const running = run.nodes;
    const redis = stack.redis;
    await redis.stopServer();
    const stoppedAt = now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    // The restart instant: from here the server may answer, and not before.
    const restartAt = now();
    await redis.startServer();
    const upMs = now() - restartAt;
    await until(
      waitUntil,
      () => firstClaimAfter(running, restartAt, 0) < Number.POSITIVE_INFINITY,
      'a unit claimed after the restart',
      WAIT_FACTOR * RESUMED_BOUND_MS,
    );
    const resumedMs = Math.round(firstClaimAfter(running, restartAt, 0) - restartAt);
    const batches = running.flatMap((n) => n.report.batches);
    const handledDuring = batches
      .filter((b) => b.at > stoppedAt && b.at < restartAt)
      .reduce((sum, b) => sum + b.count, 0);
    const claimedDuring = running
      .flatMap((n) => n.report.claimed)
      .filter((c) => c.at > stoppedAt && c.at < restartAt).length;
    const { acknowledged, missing, unexpected, errorListed: listed, counts } = await run.drain();
    faultSummary('Redis stopped 30 s, restarted on its AOF', {
      ...counts,
      handledDuringOutage: handledDuring,
      claimedDuringOutage: claimedDuring,
      serverUpAfterMs: Math.round(upMs),
      resumedAfterRestartMs: resumedMs,
      nodeErrorsReported: running.reduce((sum, n) => sum + n.report.errors.length, 0),
    });
    // Production went on through the outage: more than the flow before it and its 30 s.
    expect(acknowledged.length).toBeGreaterThan(
      RUN.flowBefore + ((RUN.rate / 2) * OUTAGE_MS) / 1_000,
    );
    expect(missing.slice(0, 10)).toEqual([]);
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(listed).toBe(0);
    // A claim needs Redis: none while it was down, so the outage was one for the nodes.
    expect(claimedDuring).toBe(0);
    expect(resumedMs).toBeLessThan(RESUMED_BOUND_MS);
    // Every node process is still alive: none exited during or after the outage.
    for (const n of running)
      expect(await Promise.race([n.report.exit, Promise.resolve('alive')])).toBe('alive');
  });
});
