import { randomUUID } from 'node:crypto';
import { groupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { recoverNode } from '../src/organiser/recover-node.js';
import { encodeUnit, unitId, type WorkUnit } from '../src/work-unit/work-unit.js';
import { completeUnit, remainderOf } from '../src/worker/complete-unit.js';
import { failUnit } from '../src/worker/fail-unit.js';
import { type Started, setups } from './support/redis-setups.js';

const unit: WorkUnit = {
  id: unitId('orders', 2, 100),
  topic: 'orders',
  partition: 2,
  offset: 100,
  len: 50,
  attempts: 0,
  ts: 1,
};

describe.each(setups)(
  'a unit claimed, completed, failed and recovered on a real Redis (%s)',
  (_, start) => {
    let server: Started;
    let redis: IRedis;
    let keys: ReturnType<typeof groupKeys>;
    const node = 'node-a';

    beforeAll(async () => {
      server = await start();
      redis = await server.connect(`lifecycle-${randomUUID()}`);
    });
    afterAll(async () => {
      await redis?.close();
      await server?.stop();
    });
    beforeEach(async () => {
      keys = groupKeys(`lifecycle-${randomUUID()}`);
      await redis.listPush(keys.work, [encodeUnit(unit)], { side: 'left' });
      await redis.sortedSetAdd(keys.pending('orders', 2), [
        { member: unit.id, score: unit.offset },
      ]);
    });

    /** Claims the next unit the way a worker does: a move from work to its working list. */
    const claim = async () => {
      const claimed = await redis.listMove(keys.work, keys.working(node), {
        from: 'right',
        to: 'left',
      });
      expect(claimed).toBe(encodeUnit(unit));
      return claimed as string;
    };
    const pendingIds = async () =>
      (
        await redis.sortedSetRangeByScore(keys.pending('orders', 2), { min: '-inf', max: '+inf' })
      ).map((m) => m.member);

    test('completion removes the unit from the working list and from pending', async () => {
      const claimed = await claim();
      expect(await completeUnit(redis, keys, { nodeId: node, claimed, unit })).toBe('completed');
      expect(await redis.listLength(keys.working(node))).toBe(0);
      expect(await pendingIds()).toEqual([]);
      expect(await redis.listLength(keys.work)).toBe(0);
    });

    test('a completion part-way queues the remainder as a unit of its own, next in line', async () => {
      const claimed = await claim();
      await redis.listPush(keys.work, ['waiting'], { side: 'left' });
      expect(
        await completeUnit(redis, keys, { nodeId: node, claimed, unit, processedUpTo: 130 }),
      ).toBe('completed');
      const rest = remainderOf(unit, 130);
      expect(rest).toMatchObject({ offset: 130, len: 20, id: 'orders/2/130' });
      expect(await redis.listRange(keys.work, -1, -1)).toEqual([encodeUnit(rest as WorkUnit)]);
      expect(await pendingIds()).toEqual(['orders/2/130']);
    });

    test('completing a unit the leader already recovered changes nothing and says so', async () => {
      const claimed = await claim();
      expect(await recoverNode(redis, keys, node)).toEqual({ recovered: true, units: 1 });
      expect(await completeUnit(redis, keys, { nodeId: node, claimed, unit })).toBe('recovered');
      expect(await redis.listRange(keys.work, 0, -1)).toEqual([claimed]);
      expect(await pendingIds()).toEqual([unit.id]);
    });

    test('a failed attempt queues the unit again with one more attempt; giving up error-lists it with its reason', async () => {
      const claimed = await claim();
      expect(
        await failUnit(redis, keys, {
          nodeId: node,
          claimed,
          unit,
          requeue: [{ ...unit, attempts: 1 }],
          now: 5,
        }),
      ).toBe('requeued');
      const retried = await redis.listMove(keys.work, keys.working(node), {
        from: 'right',
        to: 'left',
      });
      expect(retried).toBe(encodeUnit({ ...unit, attempts: 1 }));
      expect(await pendingIds()).toEqual([unit.id]);
      const giveUp = {
        unit: { ...unit, attempts: 1 },
        reason: 'ATTEMPTS_EXHAUSTED',
        detail: 'handler threw 10 times',
      } as const;
      expect(
        await failUnit(redis, keys, {
          nodeId: node,
          claimed: retried as string,
          unit: { ...unit, attempts: 1 },
          requeue: [],
          giveUp,
          now: 9,
        }),
      ).toBe('error-listed');
      const [entry] = await redis.listRange(keys.error, 0, -1);
      expect(JSON.parse(entry as string)).toEqual({
        unit: { ...unit, attempts: 1 },
        reason: 'ATTEMPTS_EXHAUSTED',
        detail: 'handler threw 10 times',
        at: 9,
      });
      expect(await pendingIds()).toEqual([]);
      expect(await redis.listLength(keys.working(node))).toBe(0);
    });

    test('a malformed unit goes to the error list as the raw string, with its reason', async () => {
      await redis.listPush(keys.work, ['not a unit'], { side: 'right' });
      const claimed = await redis.listMove(keys.work, keys.working(node), {
        from: 'right',
        to: 'left',
      });
      expect(
        await failUnit(redis, keys, {
          nodeId: node,
          claimed: claimed as string,
          unit: undefined,
          requeue: [],
          giveUp: { unit: claimed as string, reason: 'MALFORMED_UNIT', detail: 'not JSON' },
          now: 3,
        }),
      ).toBe('error-listed');
      expect(JSON.parse((await redis.listRange(keys.error, 0, -1))[0] as string)).toMatchObject({
        unit: 'not a unit',
        reason: 'MALFORMED_UNIT',
      });
      expect(await pendingIds()).toEqual([unit.id]);
    });

    test('recovery waits for the lease to expire by server time, then returns every claimed unit', async () => {
      const claimed = await claim();
      const now = await redis.time();
      await redis.sortedSetAdd(keys.nodes, [{ member: node, score: now + 60_000 }]);
      expect(await recoverNode(redis, keys, node)).toEqual({ recovered: false });
      expect(await redis.listRange(keys.working(node), 0, -1)).toEqual([claimed]);
      await redis.sortedSetAdd(keys.nodes, [{ member: node, score: now - 1 }]);
      expect(await recoverNode(redis, keys, node)).toEqual({ recovered: true, units: 1 });
      expect(await redis.listRange(keys.work, 0, -1)).toEqual([claimed]);
      expect(await redis.sortedSetScore(keys.nodes, node)).toBeNull();
    });
  },
);
