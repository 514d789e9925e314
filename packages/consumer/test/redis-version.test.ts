import { createRedis } from '@kf/core';
import { startRedisSingle } from '@kf/devstack';
import type { RedisScript } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { createNode, NodeStartError } from '../src/index.js';
import { redisVersionProblem } from '../src/node/redis-version.js';
import { withScriptCalls } from './support/faulty-redis.js';
import { useKafkaRedis } from './support/stack.js';

describe('the Redis version', () => {
  test('6.2 and newer are enough; older ones are named with what kf needs; a server that does not say is let be', () => {
    expect(redisVersionProblem('# Server\r\nredis_version:6.2.0\r\n')).toBeUndefined();
    expect(
      redisVersionProblem('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n'),
    ).toBeUndefined();
    expect(redisVersionProblem('redis_version:10.0.1\r\n')).toBeUndefined();
    expect(redisVersionProblem('# Server\r\nredis_version:6.0.16\r\n')).toBe(
      '6.0.16 is older than kf needs: Redis 6.2 or newer (BLMOVE, LMOVE)',
    );
    expect(redisVersionProblem('redis_version:5.0.14\r\n')).toMatch(/^5\.0\.14 is older/);
    expect(redisVersionProblem('# Server\r\n')).toBeUndefined();
  });

  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-version-test' });

  test('a node on a Redis older than 6.2 fails to start with NodeStartError naming Redis and the version', async () => {
    // The real server, answering INFO as a 6.0 server would: kf's claims would fail on it.
    const { redis, kafka } = stack;
    const config = {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: `version-${Date.now()}` },
    };
    const error = await createNode(config, [], {
      redisFactory: async (conf) =>
        withScriptCalls(
          await createRedis(conf),
          async (script: RedisScript, _keys, _args, call) => {
            const reply = await call();
            return script.name === 'server-info'
              ? String(reply).replace(/redis_version:\S+/, 'redis_version:6.0.16')
              : reply;
          },
        ),
      startTimeoutMs: 5_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as NodeStartError).service).toBe('redis');
    expect((error as Error).message).toBe(
      'the node could not start: redis 6.0.16 is older than kf needs: Redis 6.2 or newer (BLMOVE, LMOVE)',
    );
  });

  test("this machine's Redis passes: a node starts", async () => {
    const { redis, kafka } = stack;
    const node = await createNode(
      {
        bootstrapBrokers: kafka.info.brokers,
        redis: {
          host: redis.info.host,
          port: redis.info.port,
          groupName: `version-ok-${Date.now()}`,
        },
      },
      [],
    );
    await node.close();
  });
});
