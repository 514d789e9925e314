import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RedisSentinel, smokeSentinel, startRedisSentinel } from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';
import { type PortThief, takePickedPorts } from './support/take-picked-ports.js';

describe('Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  let sentinel: RedisSentinel;
  let thief: PortThief;
  beforeAll(async () => {
    // The set is started the hard way: another process takes the first-picked port (the
    // master's) from the first pick, and sentinel 1's port, held unbound while master
    // and replica start, from the second; the third pick must go through.
    thief = takePickedPorts((ports, pick) => {
      const [master, , sentinel1] = ports as number[];
      return pick === 1 ? [master as number] : pick === 2 ? [sentinel1 as number] : [];
    });
    try {
      sentinel = await startRedisSentinel();
    } finally {
      thief.stopTaking();
    }
  });
  afterAll(async () => {
    await sentinel?.stop();
    await thief?.release();
  });

  test('started on new ports after another process took a master port, then a sentinel port', () => {
    expect(thief.picks).toHaveLength(3);
    expect(thief.taken).toEqual([thief.picks[0]?.[0], thief.picks[1]?.[2]]);
    const { master, replica, sentinels } = sentinel.info;
    expect([master.port, replica.port, ...sentinels.map((s) => s.port)]).toEqual(thief.picks[2]);
    expect(thief.holding()).toEqual(thief.taken);
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
