import { randomUUID } from 'node:crypto';
import {
  type HostPort,
  type RedisSentinel,
  startRedisSentinel,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { expectFailoverRidden, runFailoverDrill } from '@kf/ioredis-shared/testing';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

describe('ioredis Sentinel adapter through a master fail-over (kill -9)', () => {
  // A set has one replica to promote: each fail-over needs a fresh one.
  let sentinel: RedisSentinel;
  beforeEach(async () => {
    sentinel = await startRedisSentinel({ downAfterMs: 1_000 });
  });
  afterEach(async () => {
    await sentinel?.stop();
  });

  test.each([
    { commandTimeoutMs: undefined, label: 'default command timeout: calls wait it out' },
    { commandTimeoutMs: 300, label: 'command timeout 300 ms: calls fail typed, then recover' },
  ])('$label', async ({ commandTimeoutMs }) => {
    const { info } = sentinel;
    const master = sentinel.processes.find((p) => p.name === 'redis-master');
    if (!master) throw new Error('the devstack started no redis-master');
    const redis = createSingleRedis({
      sentinels: info.sentinels,
      name: info.masterName,
      ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
    });
    const tag = `failover-${randomUUID()}`;
    try {
      const report = await runFailoverDrill({
        redis,
        tag,
        kill: () => master.signal('SIGKILL'),
        deadlineMs: 30_000,
      });
      expectFailoverRidden(report, {
        label: `Sentinel fail-over (down-after-milliseconds ${info.downAfterMs} ms)`,
        commandTimeoutMs,
        recoveryBoundMs: 15_000,
      });

      // Sentinels learn the new configuration from each other over a few hello rounds:
      // the one asked may lag the one that led the fail-over the adapter followed.
      const reported = await waitUntil(
        async () => {
          const [, port] = (await withRedis(info.sentinels[0] as HostPort, (c) =>
            c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', info.masterName),
          )) as [string, string];
          return Number(port) === info.replica.port ? Number(port) : undefined;
        },
        { what: 'sentinel 1 to report the promoted replica', timeoutMs: 10_000 },
      );
      expect(reported).toBe(info.replica.port);
      expect(await withRedis(info.replica, (c) => c.llen(`${tag}:log`))).toBeGreaterThanOrEqual(20);
    } finally {
      await redis.close();
    }
  });
});
