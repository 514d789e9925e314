import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DevstackStartError,
  liveRegisteredProcesses,
  type RedisSingle,
  smokeSingle,
  startRedisSingle,
  withRedis,
} from '../src/index.js';
import { PORT_ATTEMPTS } from '../src/ports.js';
import { startRedisInstance } from '../src/redis/redis-instance.js';
import { stopAndExpectGone } from './support/expect-stopped.js';
import { withIsolatedHome } from './support/isolated-home.js';
import { takePickedPorts } from './support/take-picked-ports.js';

describe('Redis single server', () => {
  let redis: RedisSingle;
  beforeAll(async () => {
    redis = await startRedisSingle();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('answers SET/GET on a loopback port', async () => {
    expect(redis.info.host).toBe('127.0.0.1');
    const result = await smokeSingle(redis.info);
    expect(result.read).toBe(result.written);
  });

  test('persists with AOF into a data directory of its own', async () => {
    const [appendonly, dir] = await withRedis(redis.info, async (client) => [
      (await client.config('GET', 'appendonly')) as string[],
      (await client.config('GET', 'dir')) as string[],
    ]);
    expect(appendonly).toEqual(['appendonly', 'yes']);
    expect(dir[1]?.startsWith(redis.runDir)).toBe(true);
  });

  test('stopServer and startServer: an outage on the same port, the data reloaded from the AOF', async () => {
    await withRedis(redis.info, (client) => client.set('kept', 'across the restart'));
    const before = redis.processes[0]?.pid;
    await redis.stopServer();
    await expect(withRedis(redis.info, (client) => client.ping())).rejects.toThrow();
    await redis.startServer();
    expect(redis.processes[0]?.pid).not.toBe(before);
    expect(await withRedis(redis.info, (client) => client.get('kept'))).toBe('across the restart');
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(redis);
  });
});

describe('a Redis start whose picked port another process takes before the server binds it', () => {
  test('picks a new port and starts there, not fooled by the Redis-like answers of what holds the first', async () => {
    // The thief answers PING and INFO like a Redis of someone else's: a readiness check
    // that took any PONG for its own server would report this start ready on the thief.
    const thief = takePickedPorts((ports, pick) => (pick === 1 ? [ports[0] as number] : []), {
      answerLikeRedis: true,
    });
    let redis: RedisSingle | undefined;
    try {
      redis = await startRedisSingle();
      thief.stopTaking();
      expect(thief.picks).toHaveLength(2);
      expect(thief.taken).toEqual([thief.picks[0]?.[0]]);
      expect(redis.info.port).toBe(thief.picks[1]?.[0]);
      expect(thief.holding()).toEqual(thief.taken);
      const result = await smokeSingle(redis.info);
      expect(result.read).toBe(result.written);
      await stopAndExpectGone(redis);
    } finally {
      await redis?.stop();
      await thief.release();
    }
  });

  test(`gives up after ${PORT_ATTEMPTS} picks that each lost their port, naming every port lost`, async () => {
    await withIsolatedHome(async (home) => {
      const thief = takePickedPorts((ports) => [ports[0] as number], { answerLikeRedis: true });
      try {
        const failure = await rejectionOf(startRedisSingle());
        expect(failure).toBeInstanceOf(DevstackStartError);
        expect(thief.picks).toHaveLength(PORT_ATTEMPTS);
        const message = (failure as Error).message;
        expect(message).toContain(`in each of ${PORT_ATTEMPTS} attempts`);
        expect(message).toContain(`ports lost: ${thief.taken.join(', ')}`);
        expect(message).toMatch(/Address already in use/);
        expect(liveRegisteredProcesses()).toEqual([]);
        expect(readdirSync(join(home, 'runs'))).toEqual([]);
      } finally {
        await thief.release();
      }
    });
  });
});

describe('a Redis start that fails', () => {
  test('throws a DevstackStartError carrying the server log, and leaves nothing running', async () => {
    await withIsolatedHome(async (home) => {
      const runDir = mkdtempSync(join(home, 'bad-'));
      const start = startRedisInstance({
        name: 'redis-bad-config',
        port: 1,
        runDir,
        owner: 'api',
        config: ['no-such-directive yes'],
      });
      await expect(start).rejects.toBeInstanceOf(DevstackStartError);
      await expect(start).rejects.toThrow(/Bad directive|no-such-directive/);
      expect(liveRegisteredProcesses()).toEqual([]);
    });
  });
});

/** The error a promise rejects with; fails when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the start to fail');
}
