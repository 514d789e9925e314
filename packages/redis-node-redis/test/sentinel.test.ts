import { randomUUID } from 'node:crypto';
import { type RedisSentinel, startRedisSentinel, waitUntil } from '@kf/devstack';
import { ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance } from '@kf/protocol/testkit';
import { createSentinel } from 'redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { connectionsNamed } from './support/connections.js';
import { nodeRedisVersion } from './support/node-redis-version.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

let sentinel: RedisSentinel;
beforeAll(async () => {
  sentinel = await startRedisSentinel();
});
afterAll(() => sentinel?.stop());

redisConformance(
  { describe, test, expect },
  () =>
    createNodeRedis({
      topology: 'sentinel',
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
    }),
  () => ({
    name: `node-redis ${nodeRedisVersion} Sentinel`,
    topology: 'sentinel',
    probe: sentinel.info.master,
    replicas: 1,
  }),
  `IRedis conformance: node-redis ${nodeRedisVersion}, Sentinel`,
);

describe(`node-redis ${nodeRedisVersion} behind Redis Sentinel`, () => {
  const callerSentinel = (name: string) =>
    createSentinel({
      name: sentinel.info.masterName,
      sentinelRootNodes: sentinel.info.sentinels,
      nodeClientOptions: { name },
    });

  test("the adapter's own dedicated connections each follow the master, and close() closes them all", async () => {
    const name = `kf-owned-${randomUUID()}`;
    const redis = createNodeRedis({
      topology: 'sentinel',
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
      clientName: name,
    });
    const options = { from: 'left', to: 'right', timeoutMs: 300 } as const;
    try {
      const moves = [1, 2].map(() =>
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, options),
      );
      await waitUntil(
        async () => ((await connectionsNamed(sentinel.info.master, name)) === 3 ? true : undefined),
        { what: 'the shared master connection and two dedicated ones', timeoutMs: 5_000 },
      );
      expect(await Promise.all(moves)).toEqual([null, null]);
    } finally {
      await redis.close();
    }
    expect(await connectionsNamed(sentinel.info.master, name)).toBe(0);
  });

  if (nodeRedisVersion.startsWith('5.')) {
    test("a caller's node-redis 5 Sentinel client, which cannot be duplicated, is refused with ConfigError", () => {
      const caller = createSentinel({
        name: sentinel.info.masterName,
        sentinelRootNodes: sentinel.info.sentinels,
      });
      let error: unknown;
      try {
        createNodeRedis(caller);
      } catch (thrown) {
        error = thrown;
      }
      expect(isKfError(error, ErrorCode.ConfigInvalid)).toBe(true);
      expect((error as Error).message).toMatch(/duplicate\(\)/);
    });
  } else {
    test("a caller's Sentinel client is left open by close(); the adapter's duplicates of it are closed", async () => {
      const name = `kf-caller-${randomUUID()}`;
      const caller = callerSentinel(name);
      await caller.connect();
      try {
        const redis = createNodeRedis(caller);
        await redis.set(`kf:{${name}}:k`, 'v');
        const shared = await connectionsNamed(sentinel.info.master, name);
        expect(shared).toBeGreaterThanOrEqual(1);
        expect(
          await redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, {
            from: 'left',
            to: 'right',
            timeoutMs: 200,
          }),
        ).toBeNull();
        expect(await connectionsNamed(sentinel.info.master, name)).toBe(shared + 1);
        await redis.close();
        expect(await connectionsNamed(sentinel.info.master, name)).toBe(shared);
        expect(caller.isOpen).toBe(true);
        expect(await caller.get(`kf:{${name}}:k`)).toBe('v');
        await caller.del(`kf:{${name}}:k`);
      } finally {
        await caller.close();
      }
    });
  }
});
