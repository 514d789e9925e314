import { createRedis } from '@kf/core';
import { startRedisSingle } from '@kf/devstack';
import {
  ConnectionClosedError,
  type Logger,
  type RedisScript,
  ScriptError,
  type ScriptReply,
  silentLogger,
} from '@kf/protocol';
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

  /** createNode with the version script's call answered by `answer` instead. */
  async function startWithVersionCall(answer: () => Promise<ScriptReply>, logger?: Logger) {
    const { redis, kafka } = stack;
    const config = {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: `version-${Date.now()}` },
    };
    return createNode(config, [], {
      redisFactory: async (conf) =>
        withScriptCalls(await createRedis(conf), (script: RedisScript, _keys, _args, call) =>
          script.name === 'server-info' ? answer() : call(),
        ),
      startTimeoutMs: 5_000,
      ...(logger ? { logger } : {}),
    });
  }

  test('a server that refuses INFO is let be: the node starts, and says so at info level', async () => {
    const infos: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      info: (_fields, message) => void infos.push(message),
    };
    const node = await startWithVersionCall(
      () =>
        Promise.reject(
          new ScriptError(
            'server-info',
            "NOPERM this user has no permissions to run the 'info' command",
          ),
        ),
      logger,
    );
    await node.close();
    expect(infos).toContain(
      'could not read the Redis version (the server refused INFO); kf needs 6.2 or newer',
    );
  });

  test('a version check that gets no answer fails the start as Redis not reachable', async () => {
    const error = await startWithVersionCall(() =>
      Promise.reject(new ConnectionClosedError('Redis EVALSHA failed: connection lost')),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NodeStartError);
    expect((error as Error).message).toBe(
      'the node could not start: redis is not reachable: Redis EVALSHA failed: connection lost',
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
