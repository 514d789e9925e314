import type { KfConfigInput } from '@kf/core';
import { startRedisSingle, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { errorListed, faultSummary } from '../support/fault-kit.js';
import { useGroupRuns } from '../support/group-run.js';
import { countSeen } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const OUTAGE_MS = 30_000;

/**
 * Redis goes away for 30 s (the single server stopped, then restarted on its AOF) while
 * messages keep arriving in Kafka: no node crashes, consumption resumes once Redis is
 * back, and nothing is lost.
 */
describe('faults: Redis unavailable', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults-outage' });
  const runs = useGroupRuns(stack);

  test('30 s without Redis: no node crashes, work resumes, nothing lost', async () => {
    const topic = 'faults-redis-outage';
    const conf: KfConfigInput & { redis: { groupName: string } } = {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: {
        host: stack.redis.info.host,
        port: stack.redis.info.port,
        groupName: 'faults-outage',
      },
      conf: { useEarliest: true, consumeStep: 500, leaseTtlMs: 2_000 },
    };
    const run = await runs.start({
      topic,
      partitions: 4,
      config: conf,
      rate: 2_000,
      pauseMs: 2,
      flowBefore: 4_000,
    });
    const running = run.nodes;
    const redis = stack.redis;
    await redis.stopServer();
    const seenAtStop = countSeen(running).total;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const seenDuring = countSeen(running).total - seenAtStop;
    await redis.startServer();
    const backAt = Date.now();
    await until(
      waitUntil,
      () => countSeen(running).total > seenAtStop + seenDuring,
      'consumption again',
      60_000,
    );
    const resumedAfterMs = Date.now() - backAt;
    const ids = (await run.everyMessage(120_000)).acknowledged;
    const { total, distinct, offsets } = countSeen(running);
    const listed = await errorListed(conf);
    faultSummary('Redis stopped 30 s, restarted on its AOF', {
      produced: ids.length,
      delivered: distinct.size,
      duplicates: total - offsets,
      errorListed: listed,
      handledDuringOutage: seenDuring,
      resumedAfterMs,
      nodeErrorsReported: running.reduce((sum, n) => sum + n.report.errors.length, 0),
    });
    expect(distinct.size).toBe(ids.length);
    expect(listed).toBe(0);
    // Every node process is still alive: none exited during or after the outage.
    for (const n of running)
      expect(await Promise.race([n.report.exit, Promise.resolve('alive')])).toBe('alive');
  });
});
