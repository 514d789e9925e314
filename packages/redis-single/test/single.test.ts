import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { expectRequestedIoredis } from '@kf/ioredis-shared/testing';
import { ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance } from '@kf/protocol/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle();
});
afterAll(async () => {
  await server?.stop();
});

redisConformance(
  { describe, test, expect },
  () => createSingleRedis({ host: server.info.host, port: server.info.port }),
  () => ({ name: 'ioredis single', topology: 'single', probe: server.info }),
);

describe('createSingleRedis on one server', () => {
  test('runs on the ioredis major KF_IOREDIS asks for (default 6)', () => {
    expectRequestedIoredis(Redis, import.meta.url);
  });

  test('a client passed in serves the adapter and stays open after close(); its duplicates do not', async () => {
    const connectionName = `kf-owner-${process.pid}-${Date.now()}`;
    const client = new Redis({ host: server.info.host, port: server.info.port, connectionName });
    const namedConnections = async () =>
      ((await client.call('CLIENT', 'LIST')) as string).split('\n').filter((line) => {
        return line.includes(` name=${connectionName} `);
      }).length;
    try {
      const redis = createSingleRedis(client);
      expect(redis.topology).toBe('single');
      await redis.set('kf-owner:k', 'v');
      // Two concurrent blocked moves: two dedicated duplicates of the client.
      const options = { from: 'left', to: 'right', timeoutMs: 200 } as const;
      expect(
        await Promise.all([
          redis.listBlockingMove('kf-owner:a', 'kf-owner:b', options),
          redis.listBlockingMove('kf-owner:a', 'kf-owner:b', options),
        ]),
      ).toEqual([null, null]);
      expect(await namedConnections()).toBe(3);
      await redis.close();
      expect(client.status).toBe('ready');
      expect(await client.get('kf-owner:k')).toBe('v');
      expect(await namedConnections()).toBe(1);
      await client.del('kf-owner:k');
    } finally {
      client.disconnect();
    }
  });

  test('a command unanswered within the command timeout fails with CommandTimeoutError', async () => {
    const redis = createSingleRedis({ ...server.info, commandTimeoutMs: 300 });
    const serverProcess = server.processes[0];
    try {
      await redis.ping();
      serverProcess?.signal('SIGSTOP');
      const started = performance.now();
      const error = await redis.get('kf-timeout:k').catch((e: unknown) => e);
      serverProcess?.signal('SIGCONT');
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
      expect(error).toMatchObject({ command: 'GET', timeoutMs: 300 });
      expect(performance.now() - started).toBeLessThan(2_000);
      await redis.ping();
    } finally {
      serverProcess?.signal('SIGCONT');
      await redis.close();
    }
  });

  test('an ioredis Cluster is refused with a pointer to @kf/redis-cluster', async () => {
    const cluster = new Cluster([{ host: server.info.host, port: server.info.port }], {
      lazyConnect: true,
    });
    try {
      expect(() => createSingleRedis(cluster as unknown as Redis)).toThrow(/@kf\/redis-cluster/);
    } finally {
      cluster.disconnect();
    }
  });
});
