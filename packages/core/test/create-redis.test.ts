import { randomUUID } from 'node:crypto';
import { type RedisSentinel, startRedisSentinel } from '@kf/devstack';
import { ConfigError, type IRedis } from '@kf/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRedis, parseConfig, type RedisConfig } from '../src/index.js';
import { createRedisWith } from '../src/redis/create-redis.js';
import { connect, type Server, startServer } from './support/servers.js';

async function setAndGet(redis: IRedis): Promise<string | null> {
  const key = `kf-core-test:${randomUUID()}`;
  try {
    expect(await redis.set(key, 'value', { expireMs: 60_000 })).toBe(true);
    return await redis.get(key);
  } finally {
    await redis.del(key);
  }
}

describe.each(['single', 'cluster'] as const)('createRedis on a real Redis (%s)', (kind) => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the adapter the shape picks answers SET/GET, with the topology it asked for', async () => {
    const redis = await createRedis(server.redisConf);
    try {
      expect(redis.topology).toBe(kind);
      expect(await setAndGet(redis)).toBe('value');
    } finally {
      await redis.close();
    }
  });

  test("client: 'node-redis' answers SET/GET through node-redis on the same topology", async () => {
    const redis = await connect(server, 'node-redis');
    try {
      expect(redis.topology).toBe(kind);
      expect(await setAndGet(redis)).toBe('value');
    } finally {
      await redis.close();
    }
  });

  test('takes the redis section as parseConfig returned it', async () => {
    const config = parseConfig({
      bootstrapBrokers: ['127.0.0.1:9092'],
      redis: { ...server.redisConf, groupName: 'g' },
    });
    const redis = await createRedis(config.redis);
    try {
      expect(redis.topology).toBe(kind);
      expect(await setAndGet(redis)).toBe('value');
    } finally {
      await redis.close();
    }
  });
});

describe('createRedis on a real Redis Sentinel set', () => {
  let sentinel: RedisSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  });
  afterAll(async () => {
    await sentinel?.stop();
  });

  test.each(['ioredis', 'node-redis'] as const)(
    'sentinelAddresses + masterName reach the master through the sentinels (%s)',
    async (client) => {
      const redis = await createRedis({
        sentinelAddresses: sentinel.info.sentinels.map((s) => `${s.host}:${s.port}`),
        masterName: sentinel.info.masterName,
        client,
      });
      try {
        expect(redis.topology).toBe('sentinel');
        expect(await setAndGet(redis)).toBe('value');
      } finally {
        await redis.close();
      }
    },
  );
});

describe('createRedis without a server', () => {
  const refuseToLoad = async (packageName: string): Promise<never> => {
    throw new Error(`no adapter should be loaded, ${packageName} was asked for`);
  };

  test('an injected redisFactory gets the validated section and its IRedis is returned', async () => {
    const made = { topology: 'single' } as IRedis;
    const seen: RedisConfig[] = [];
    const redis = await createRedisWith(
      refuseToLoad,
      { host: ['a:1', 'b:2'], timeout: 50 },
      {
        redisFactory: async (conf) => {
          seen.push(conf);
          return made;
        },
      },
    );
    expect(redis).toBe(made);
    expect(seen).toEqual([
      expect.objectContaining({
        topology: 'cluster',
        nodes: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
        timeout: 50,
      }),
    ]);
  });

  test('an invalid section is a ConfigError naming the field, before anything is loaded', async () => {
    const attempt = createRedisWith(refuseToLoad, { host: ['a:1', 'b'] }, {});
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'redis.host[1]' })],
    });
  });

  test('the factory of the adapter picked is called with its options', async () => {
    const made = { topology: 'cluster' } as IRedis;
    const calls: unknown[] = [];
    const redis = await createRedisWith(
      async (packageName) => ({
        createClusterRedis: (options: unknown) => {
          calls.push([packageName, options]);
          return made;
        },
      }),
      { host: ['a:1', 'b:2'] },
      {},
    );
    expect(redis).toBe(made);
    expect(calls).toEqual([
      [
        '@kf/redis-cluster',
        {
          nodes: [
            { host: 'a', port: 1 },
            { host: 'b', port: 2 },
          ],
        },
      ],
    ]);
  });
});
