import { randomUUID } from 'node:crypto';
import { createRedis, groupKeys } from '@kf/core';
import { type RedisSingle, startRedisSingle, withRedis } from '@kf/devstack';
import type { IRedis } from '@kf/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createErrorList } from '../src/node/error-list.js';
import { recoverNode } from '../src/organiser/recover-node.js';
import { encodeUnit, type WorkUnit } from '../src/work-unit/work-unit.js';
import { OrphanSweep } from '../src/worker/orphan-sweep.js';

const unit: WorkUnit = {
  id: 'orders/1/40~oom',
  topic: 'orders',
  partition: 1,
  offset: 40,
  len: 10,
  attempts: 0,
  ts: 1,
};

/**
 * Under `maxmemory` with `noeviction` Redis refuses growing writes, and a Lua script is
 * not rolled back: a script that removed a unit before the refused push would lose it.
 * Each script that moves units pushes first and removes after, so a refusal leaves
 * everything where it was.
 */
describe('scripts moving units when Redis refuses writes (maxmemory, noeviction)', () => {
  let server: RedisSingle;
  let redis: IRedis;
  let keys: ReturnType<typeof groupKeys>;
  const node = 'node-oom';

  const config = (...args: string[]) =>
    withRedis(server.info, (c) => c.call('CONFIG', 'SET', ...args));

  beforeAll(async () => {
    server = await startRedisSingle();
    redis = await createRedis({ host: server.info.host, port: server.info.port, groupName: 'oom' });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });
  beforeEach(() => {
    keys = groupKeys(`oom-${randomUUID()}`);
  });
  afterEach(async () => {
    await config('maxmemory', '0');
  });

  /** From here on every growing write is refused: 1 byte is below what Redis uses. */
  const full = () => config('maxmemory-policy', 'noeviction', 'maxmemory', '1');

  test("a dead node's recovery leaves its working list whole", async () => {
    await redis.listPush(keys.working(node), [encodeUnit(unit)], { side: 'right' });
    await redis.sortedSetAdd(keys.nodes, [{ member: node, score: 1 }]);
    await full();
    await expect(recoverNode(redis, keys, node)).rejects.toThrow(/OOM/);
    await config('maxmemory', '0');
    expect(await redis.listRange(keys.working(node), 0, -1)).toEqual([encodeUnit(unit)]);
    expect(await redis.listLength(keys.work)).toBe(0);
    expect(await redis.sortedSetScore(keys.nodes, node)).toBe(1);
  });

  test('an orphan requeue leaves the unit in the working list', async () => {
    await redis.listPush(keys.working(node), [encodeUnit(unit)], { side: 'right' });
    const sweep = new OrphanSweep(redis, keys, node);
    expect(await sweep.sweep(new Set())).toBe(0);
    await full();
    await expect(sweep.sweep(new Set())).rejects.toThrow(/OOM/);
    await config('maxmemory', '0');
    expect(await redis.listRange(keys.working(node), 0, -1)).toEqual([encodeUnit(unit)]);
    expect(await redis.listLength(keys.work)).toBe(0);
  });

  test('a requeue from the error list leaves the entry listed', async () => {
    const entry = JSON.stringify({
      unit: JSON.parse(encodeUnit(unit)),
      reason: 'ATTEMPTS_EXHAUSTED',
      detail: 'x',
      at: 1,
    });
    await redis.listPush(keys.error, [entry], { side: 'right' });
    await full();
    await expect(createErrorList(redis, keys, 'unordered').requeue()).rejects.toThrow(/OOM/);
    await config('maxmemory', '0');
    expect(await redis.listRange(keys.error, 0, -1)).toEqual([entry]);
    expect(await redis.listLength(keys.work)).toBe(0);
  });
});
