import { randomUUID } from 'node:crypto';
import {
  type ClusterNodeInfo,
  type HostPort,
  masterOf,
  type RedisCluster,
  readTopology,
  startRedisCluster,
  withRedis,
} from '@kf/devstack';
import { expectRequestedIoredis } from '@kf/ioredis-shared/testing';
import { ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance } from '@kf/protocol/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClusterRedis } from '../src/index.js';
import { slotMasterConnection } from '../src/slot-master.js';

// The cluster requires a password, so the conformance case checking that no error
// carries it has one to look for.
const PASSWORD = `cluster-pw-${randomUUID()}`;
let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ password: PASSWORD });
});
afterAll(async () => {
  await cluster?.stop();
});

const seed = () => ({ ...(cluster.info.nodes[0] as HostPort), password: PASSWORD });
const clientOptions = { redisOptions: { password: PASSWORD } };
const startupNodes = () => cluster.info.nodes.map(({ host, port }) => ({ host, port }));

redisConformance(
  { describe, test, expect },
  (settings) =>
    createClusterRedis({
      nodes: startupNodes(),
      nodeTimeoutMs: cluster.info.nodeTimeoutMs,
      password: PASSWORD,
      ...settings,
    }),
  () => ({ name: 'ioredis Cluster', topology: 'cluster', probe: seed(), replicas: 1 }),
);

describe('createClusterRedis', () => {
  test('runs on the ioredis major KF_IOREDIS asks for (default 6)', () => {
    expectRequestedIoredis(Redis, import.meta.url);
  });

  test("WAIT goes on the client's own connection to the master of the key's slot", async () => {
    const client = new Cluster(startupNodes(), clientOptions);
    try {
      await client.set('kf-wait-warmup', '1');
      const mastersSeen = new Set<number>();
      for (let i = 0; mastersSeen.size < 3 && i < 200; i++) {
        const key = `kf-wait:{${i}}`;
        const connection = slotMasterConnection(client, key);
        const { master } = await masterOf(seed(), key);
        expect(connection.options.port).toBe(master.port);
        expect(client.nodes('master')).toContain(connection);
        mastersSeen.add(master.port);
      }
      expect(mastersSeen.size).toBe(3);
      const redis = createClusterRedis(client);
      await redis.set('kf-wait:{0}', 'v');
      expect(await redis.wait({ replicas: 1, timeoutMs: 2_000, key: 'kf-wait:{0}' })).toBe(1);
      await expect(redis.wait({ replicas: 1, timeoutMs: 100 })).rejects.toThrow(/options\.key/);
      await redis.del('kf-wait:{0}');
      await redis.close();
    } finally {
      await client.quit();
    }
  });

  test('a Cluster passed in serves the adapter and stays open after close()', async () => {
    const client = new Cluster(startupNodes(), clientOptions);
    try {
      const redis = createClusterRedis(client);
      expect(redis.topology).toBe('cluster');
      const key = `kf-owner:{${randomUUID()}}`;
      expect(
        await redis.listBlockingMove(key, `${key}:to`, {
          from: 'left',
          to: 'right',
          timeoutMs: 100,
        }),
      ).toBeNull();
      await redis.set(key, 'v');
      await redis.close();
      expect(client.status).toBe('ready');
      expect(await client.get(key)).toBe('v');
      await client.del(key);
    } finally {
      await client.quit();
    }
  });

  test('redirections that never settle end in ClusterRedirectError', async () => {
    // A slot marked MIGRATING on its owner, with no node importing it: the owner
    // answers ASK for a missing key, the target answers MOVED back, for ever.
    const key = `kf-redirect:{${randomUUID()}}`;
    const { master, slot } = await masterOf(seed(), key);
    const target = (await readTopology(seed())).find(
      (n) => n.role === 'master' && n.id !== master.id,
    ) as ClusterNodeInfo;
    const redis = createClusterRedis({
      nodes: startupNodes(),
      nodeTimeoutMs: 1_000,
      password: PASSWORD,
    });
    try {
      await redis.ping();
      await withRedis(master, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id), {
        password: PASSWORD,
      });
      const error = await redis.get(key).catch((e: unknown) => e);
      expect(isKfError(error, ErrorCode.ClusterRedirectExhausted)).toBe(true);
      expect(error).toMatchObject({ command: 'GET' });
    } finally {
      await withRedis(master, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'STABLE'), {
        password: PASSWORD,
      });
      await redis.close();
    }
  });

  test('a plain ioredis Redis client is refused with a pointer to @kf/redis-single', () => {
    const client = new Redis({ ...seed(), lazyConnect: true });
    try {
      expect(() => createClusterRedis(client as unknown as Cluster)).toThrow(/@kf\/redis-single/);
    } finally {
      client.disconnect();
    }
  });
});
