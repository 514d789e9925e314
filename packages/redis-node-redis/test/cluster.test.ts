import { randomUUID } from 'node:crypto';
import { type RedisCluster, startRedisCluster, waitUntil, withRedis } from '@kf/devstack';
import { defineScript, ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance, rejectionOf } from '@kf/protocol/testkit';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { keySlot } from '../src/key-slot.js';
import { connectionsNamed } from './support/connections.js';
import { nodeRedisVersion } from './support/node-redis-version.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(() => cluster?.stop());

const seed = () => cluster.info.nodes[0] as { host: string; port: number };
const masters = () => cluster.info.nodes.filter((n) => n.role === 'master');
const masterOf = (slot: number) =>
  masters().find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));

redisConformance(
  { describe, test, expect },
  () => createNodeRedis({ topology: 'cluster', nodes: cluster.info.nodes.slice(0, 3) }),
  () => ({
    name: `node-redis ${nodeRedisVersion} Cluster`,
    topology: 'cluster',
    probe: seed(),
    replicas: 1,
  }),
  `IRedis conformance: node-redis ${nodeRedisVersion}, Cluster`,
);

describe(`node-redis ${nodeRedisVersion} on a Redis Cluster`, () => {
  test('computes the slot of a key as the server does, hash tags included', async () => {
    const keys = [
      'kf:{orders}:work',
      'kf:{orders}:working:node-1',
      'plain',
      '{}empty-tag',
      'a{}b{c}',
      '{a}{b}',
      'open{only',
      'ünïcødé:{grüppe}',
      '',
      `kf:{${randomUUID()}}:x`,
    ];
    const server = await withRedis(seed(), (c) =>
      Promise.all(keys.map(async (k) => Number(await c.call('CLUSTER', 'KEYSLOT', k)))),
    );
    expect(keys.map(keySlot)).toEqual(server);
  });

  test('wait({ key }) asks the master owning the key, and only it', async () => {
    const redis = createNodeRedis({ topology: 'cluster', nodes: cluster.info.nodes });
    const key = `kf:{wait-${randomUUID()}}:k`;
    try {
      await redis.set(key, 'v');
      await Promise.all(masters().map((m) => withRedis(m, (c) => c.config('RESETSTAT'))));
      expect(await redis.wait({ replicas: 1, timeoutMs: 2_000, key })).toBe(1);
      const waits = await Promise.all(
        masters().map(async (m) => {
          const stats = await withRedis(m, (c) => c.info('commandstats'));
          return { port: m.port, calls: Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0) };
        }),
      );
      const owner = masterOf(keySlot(key));
      expect(waits.filter((w) => w.calls > 0)).toEqual([{ port: owner?.port, calls: 1 }]);
      await redis.del(key);
    } finally {
      await redis.close();
    }
  });

  test('a MOVED reply reaching the adapter rejects with ClusterRedirectError', async () => {
    const node = masters()[0] as { host: string; port: number };
    const key = Array.from({ length: 100 }, (_, i) => `kf:{moved-${i}}:k`).find(
      (k) => masterOf(keySlot(k))?.port !== node.port,
    ) as string;
    // Spoken to as one server, a cluster node answers MOVED for a key it does not own.
    const redis = createNodeRedis({ host: node.host, port: node.port });
    try {
      const error = await rejectionOf(redis.get(key));
      expect(isKfError(error, ErrorCode.ClusterRedirectExhausted)).toBe(true);
      expect((error as Error).message).toMatch(/GET/);
    } finally {
      await redis.close();
    }
  });

  test('a script given keys of different slots is a CommandError (CROSSSLOT), not a script failure', async () => {
    const redis = createNodeRedis({ topology: 'cluster', nodes: cluster.info.nodes });
    try {
      const script = defineScript('two-keys', "return redis.call('GET', KEYS[1])");
      const error = await rejectionOf(redis.evalScript(script, ['kf:{a}:x', 'kf:{b}:y'], []));
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as { prefix?: string }).prefix).toBe('CROSSSLOT');
    } finally {
      await redis.close();
    }
  });

  test("a caller's cluster client is left open by close(); the dedicated connections are closed", async () => {
    const name = `kf-caller-${randomUUID()}`;
    const countAll = async () =>
      (await Promise.all(cluster.info.nodes.map((n) => connectionsNamed(n, name)))).reduce(
        (a, b) => a + b,
        0,
      );
    const caller = createCluster({
      rootNodes: [{ socket: seed() }],
      defaults: { name },
    });
    await caller.connect();
    try {
      const redis = createNodeRedis(caller);
      const tag = `{${name}}`;
      await redis.set(`kf:${tag}:k`, 'v');
      const shared = await countAll();
      expect(shared).toBeGreaterThanOrEqual(1);
      const options = { from: 'left', to: 'right', timeoutMs: 300 } as const;
      const moves = [1, 2].map(() => redis.listBlockingMove(`kf:${tag}:a`, `kf:${tag}:b`, options));
      await waitUntil(async () => ((await countAll()) === shared + 2 ? true : undefined), {
        what: 'a dedicated connection per concurrent move',
        timeoutMs: 3_000,
      });
      expect(await Promise.all(moves)).toEqual([null, null]);
      await redis.close();
      expect(await countAll()).toBe(shared);
      expect(caller.isOpen).toBe(true);
      expect(await caller.get(`kf:${tag}:k`)).toBe('v');
      await caller.del(`kf:${tag}:k`);
    } finally {
      await caller.close();
    }
  });
});
