import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle, waitUntil } from '@kf/devstack';
import { expectRequestedIoredis } from '@kf/ioredis-shared/testing';
import { ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance } from '@kf/protocol/testkit';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

// The server requires a password, so the conformance case checking that no error
// carries it has one to look for.
const PASSWORD = `single-pw-${randomUUID()}`;
let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle({ password: PASSWORD });
});
afterAll(async () => {
  await server?.stop();
});

/** Where the server listens, with the password every client needs. */
const address = () => ({ host: server.info.host, port: server.info.port, password: PASSWORD });

/**
 * Bounds of the tests below: a command's round trip through ioredis on loopback is
 * about a millisecond; 100 ms covers a driver's queueing and a garbage collection, and
 * ten times that is room for a loaded two-core machine.
 */
const REPLY_MS = 100;
const LOAD_MARGIN = 10;
/** Opening a duplicate connection and sending BLMOVE on it: a few round trips. */
const BLOCKED_WITHIN_MS = 5 * REPLY_MS * LOAD_MARGIN;
/** The command timeout of the stopped-server test: short, so the test is. */
const COMMAND_TIMEOUT_MS = 300;

redisConformance(
  { describe, test, expect },
  (settings) => createSingleRedis({ ...address(), ...settings }),
  () => ({ name: 'ioredis single', topology: 'single', probe: server.info }),
);

describe('createSingleRedis on one server', () => {
  test('runs on the ioredis major KF_IOREDIS asks for (default 6)', () => {
    expectRequestedIoredis(Redis, import.meta.url);
  });

  test('a client passed in serves the adapter and stays open after close(); its duplicates do not', async () => {
    const connectionName = `kf-owner-${randomUUID()}`;
    const client = new Redis({ ...address(), connectionName });
    const named = async () =>
      ((await client.call('CLIENT', 'LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${connectionName} `));
    try {
      const redis = createSingleRedis(client);
      expect(redis.topology).toBe('single');
      await redis.set('kf-owner:k', 'v');
      // Two concurrent blocked moves: two dedicated duplicates of the client. They stay
      // blocked until the push below, so the count is read while they are.
      const moves = [1, 2].map(() =>
        redis.listBlockingMove('kf-owner:a', 'kf-owner:b', {
          from: 'left',
          to: 'right',
          // Only the push ends them: longer than the wait for them to block.
          timeoutMs: 2 * BLOCKED_WITHIN_MS,
        }),
      );
      await waitUntil(
        async () =>
          (await named()).filter((line) => / cmd=blmove /.test(line)).length === 2
            ? true
            : undefined,
        { what: 'two duplicates blocked in BLMOVE', timeoutMs: BLOCKED_WITHIN_MS },
      );
      expect((await named()).length).toBe(3);
      await client.rpush('kf-owner:a', 'u1', 'u2');
      expect((await Promise.all(moves)).sort()).toEqual(['u1', 'u2']);
      await redis.close();
      expect(client.status).toBe('ready');
      expect(await client.get('kf-owner:k')).toBe('v');
      expect((await named()).length).toBe(1);
      await client.del('kf-owner:k', 'kf-owner:b');
    } finally {
      client.disconnect();
    }
  });

  test('a command unanswered within the command timeout fails with CommandTimeoutError', async () => {
    const redis = createSingleRedis({ ...address(), commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const serverProcess = server.processes[0];
    try {
      await redis.ping();
      serverProcess?.signal('SIGSTOP');
      const started = performance.now();
      const error = await redis.get('kf-timeout:k').catch((e: unknown) => e);
      serverProcess?.signal('SIGCONT');
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
      expect(error).toMatchObject({ command: 'GET', timeoutMs: COMMAND_TIMEOUT_MS });
      // The timeout, then one timer callback late by at most a reply's time.
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS + REPLY_MS * LOAD_MARGIN);
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
