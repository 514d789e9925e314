import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RedisSentinel, smokeSentinel, startRedisSentinel } from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';

describe('Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  let sentinel: RedisSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  });
  afterAll(async () => {
    await sentinel?.stop();
  });

  test('runs five processes: master, replica and three sentinels', () => {
    expect(sentinel.processes.map((p) => p.name)).toEqual([
      'redis-master',
      'redis-replica',
      'redis-sentinel-1',
      'redis-sentinel-2',
      'redis-sentinel-3',
    ]);
    expect(sentinel.info.sentinels).toHaveLength(3);
  });

  test('a write through the Sentinel-reported master is readable there and on the replica', async () => {
    const result = await smokeSentinel(sentinel.info);
    expect(result.reportedMaster).toEqual(sentinel.info.master);
    expect(result.readFromMaster).toBe(result.written);
    expect(result.replicasAcknowledged).toBe(1);
    expect(result.readFromReplica).toBe(result.written);
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(sentinel);
  });
});
