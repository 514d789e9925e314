import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { startRedisInstance } from '../src/redis/redis-instance.js';
import { stopAndExpectGone } from './support/expect-stopped.js';

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

describe('a Redis start that fails', () => {
  test('throws a DevstackStartError carrying the server log, and leaves nothing running', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'kf-devstack-bad-'));
    const before = liveRegisteredProcesses().length;
    const start = startRedisInstance({
      name: 'redis-bad-config',
      port: 1,
      runDir,
      owner: 'api',
      config: ['no-such-directive yes'],
    });
    await expect(start).rejects.toBeInstanceOf(DevstackStartError);
    await expect(start).rejects.toThrow(/Bad directive|no-such-directive/);
    expect(liveRegisteredProcesses().length).toBe(before);
  });
});
