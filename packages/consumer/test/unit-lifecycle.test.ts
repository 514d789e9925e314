import { randomUUID } from 'node:crypto';
import { groupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createErrorList } from '../src/node/error-list.js';
import { planUnits } from '../src/organiser/plan-units.js';
import { recoverNode } from '../src/organiser/recover-node.js';
import { scheduleUnits } from '../src/organiser/schedule-units.js';
import { decodeUnit, encodeUnit, unitId, type WorkUnit } from '../src/work-unit/work-unit.js';
import { completeUnit, remainderOf } from '../src/worker/complete-unit.js';
import { failUnit } from '../src/worker/fail-unit.js';
import { OrphanSweep } from '../src/worker/orphan-sweep.js';
import { type Started, setups } from './support/redis-setups.js';

/** `raw` as the redelivery mark leaves it: its count raised, every other byte as it was. */
const marked = (raw: string) => {
  const counted = /^\{"r":(\d+),/.exec(raw);
  return counted === null
    ? `{"r":1,${raw.slice(1)}`
    : `{"r":${Number(counted[1]) + 1},${raw.slice(counted[0].length)}`;
};

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
      const [queued] = await redis.listRange(keys.work, -1, -1);
      const rest = decodeUnit(queued as string);
      expect(rest).toMatchObject({ ok: true, unit: { offset: 130, len: 20 } });
      const restId = rest.ok ? rest.unit.id : '';
      expect(restId).toMatch(/^orders\/2\/130~/);
      expect(await pendingIds()).toEqual([restId]);
      expect(remainderOf(unit, 130)).toMatchObject({ offset: 130, len: 20 });
    });

    test('completing a unit the leader already recovered changes nothing and says so', async () => {
      const claimed = await claim();
      expect(await recoverNode(redis, keys, node)).toEqual({ recovered: true, units: 1 });
      expect(await completeUnit(redis, keys, { nodeId: node, claimed, unit })).toBe('recovered');
      expect(await redis.listRange(keys.work, 0, -1)).toEqual([marked(claimed)]);
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
        unit: JSON.parse(encodeUnit({ ...unit, attempts: 1 })),
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
      expect(await redis.listRange(keys.work, 0, -1)).toEqual([marked(claimed)]);
      expect(await redis.sortedSetScore(keys.nodes, node)).toBeNull();
    });

    // Offsets past 14 digits: a script re-encoding JSON numbers (cjson) would round them.
    const big = { ...unit, offset: 1_234_567_890_123_456, id: 'orders/2/1234567890123456~b1g' };
    const previousRelease =
      '{"id":"orders/2/7","topic":"orders","partition":2,"offset":7,"len":3,"attempts":2,"ts":1}';

    test('recovery from a dead node raises each unit redelivery count, leaving every other byte as it was', async () => {
      const units = [
        encodeUnit(big),
        previousRelease,
        encodeUnit({ ...unit, id: 'orders/2/200~c', offset: 200, redelivered: true }),
        'not a unit',
      ];
      await redis.listPush(keys.working(node), units, { side: 'right' });
      await redis.sortedSetAdd(keys.nodes, [{ member: node, score: (await redis.time()) - 1 }]);
      expect(await recoverNode(redis, keys, node)).toEqual({ recovered: true, units: 4 });
      const expected = [
        marked(units[0] as string),
        marked(previousRelease),
        marked(units[2] as string),
        'not a unit',
      ];
      expect(await redis.listRange(keys.work, 0, -1)).toEqual([encodeUnit(unit), ...expected]);
      expect(expected[0]).toContain('"offset":1234567890123456,');
      // A unit flagged before gets a new string too: its previous holder, if it still
      // runs, can neither complete nor remove the unit's next claim.
      expect(expected[2]).toMatch(/^\{"r":2,/);
      for (const raw of expected.slice(0, 3)) {
        expect(decodeUnit(raw as string)).toMatchObject({ ok: true, unit: { redelivered: true } });
      }
      expect(await redis.listLength(keys.working(node))).toBe(0);
      expect(await redis.sortedSetScore(keys.nodes, node)).toBeNull();
    });

    test('an orphan requeued from a live node working list is flagged redelivered', async () => {
      const claimed = await claim();
      await redis.listPush(keys.working(node), [previousRelease], { side: 'left' });
      const sweep = new OrphanSweep(redis, keys, node);
      expect(await sweep.sweep(new Set())).toBe(0);
      expect(await sweep.sweep(new Set())).toBe(2);
      const requeued = await redis.listRange(keys.work, 0, -1);
      expect(requeued.sort()).toEqual([marked(claimed), marked(previousRelease)].sort());
      expect(decodeUnit(marked(claimed))).toEqual({
        ok: true,
        unit: { ...unit, redelivered: true },
      });
      expect(await redis.listLength(keys.working(node))).toBe(0);
    });

    test('two units scheduled at one start offset (a reset-ahead) each stay pending until completed', async () => {
      const k = groupKeys(`lifecycle-${randomUUID()}`);
      await redis.set(k.epoch, '1');
      const plan = (from: number, to: number) =>
        planUnits({
          topic: 'orders',
          partition: 5,
          from,
          to,
          consumeStep: 100,
          freeWorkers: 1,
          maxUnits: 10,
          now: 1,
        });
      const first = plan(0, 50);
      const request = { epoch: 1, topic: 'orders', partition: 5 };
      expect(
        await scheduleUnits(redis, k, { ...request, plannedFrom: undefined, ...first }),
      ).toEqual({ status: 'queued', units: 1 });
      // The saved offset (50) is ahead of the partition's end (30): scheduled again from 0.
      const again = plan(0, 30);
      expect(await scheduleUnits(redis, k, { ...request, plannedFrom: 50, ...again })).toEqual({
        status: 'queued',
        units: 1,
      });
      const pending = async () =>
        await redis.sortedSetRangeByScore(k.pending('orders', 5), { min: '-inf', max: '+inf' });
      expect((await pending()).map((m) => m.score)).toEqual([0, 0]);
      const claimed = await redis.listMove(k.work, k.working(node), { from: 'right', to: 'left' });
      const decoded = decodeUnit(claimed as string);
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(decoded.unit.len).toBe(50);
      expect(
        await completeUnit(redis, k, {
          nodeId: node,
          claimed: claimed as string,
          unit: decoded.unit,
        }),
      ).toBe('completed');
      expect(await pending()).toEqual([{ member: again.units[0]?.id, score: 0 }]);
    });

    test('a unit a newer version wrote keeps its extra fields through a retry, the error list and its requeue', async () => {
      const newer = `${encodeUnit(unit).slice(0, -1)},"priority":"high"}`;
      await redis.listPush(keys.work, [newer], { side: 'right' });
      const claimed = await redis.listMove(keys.work, keys.working(node), {
        from: 'right',
        to: 'left',
      });
      expect(claimed).toBe(newer);
      const decoded = decodeUnit(newer);
      if (!decoded.ok) throw new Error(decoded.reason);
      const poison = { ...decoded.unit, offset: 100, len: 1, attempts: 3, id: 'orders/2/100~p' };
      const after = { ...decoded.unit, offset: 101, len: 49, id: 'orders/2/101~q' };
      expect(
        await failUnit(redis, keys, {
          nodeId: node,
          claimed: newer,
          unit: decoded.unit,
          requeue: [after],
          giveUp: { unit: poison, reason: 'ATTEMPTS_EXHAUSTED', detail: 'poison' },
          now: 4,
        }),
      ).toBe('error-listed');
      expect(await redis.listRange(keys.work, 0, 0)).toEqual([
        '{"r":0,"v":1,"id":"orders/2/101~q","topic":"orders","partition":2,"offset":101,"len":49,"attempts":0,"ts":1,"priority":"high"}',
      ]);
      const [entry] = await redis.listRange(keys.error, 0, -1);
      expect(entry).toBe(
        '{"unit":{"r":0,"v":1,"id":"orders/2/100~p","topic":"orders","partition":2,"offset":100,"len":1,"attempts":3,"ts":1,"priority":"high"},"reason":"ATTEMPTS_EXHAUSTED","detail":"poison","at":4}',
      );
      const errors = createErrorList(redis, keys, 'unordered');
      expect(await errors.list()).toMatchObject([
        {
          unit: { id: 'orders/2/100~p', extra: { priority: 'high' } },
          reason: 'ATTEMPTS_EXHAUSTED',
        },
      ]);
      expect(await errors.requeue()).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 0 });
      expect(await redis.listRange(keys.work, -1, -1)).toEqual([
        '{"r":1,"v":1,"id":"orders/2/100~p","topic":"orders","partition":2,"offset":100,"len":1,"attempts":0,"ts":1,"priority":"high"}',
      ]);
      // The failed unit's entry gave way to its parts'.
      expect((await pendingIds()).sort()).toEqual(['orders/2/100~p', 'orders/2/101~q']);
    });

    /** The error-list entry of `listed`, given up on after its attempts. */
    const exhausted = (listed: WorkUnit) =>
      JSON.stringify({
        unit: JSON.parse(encodeUnit(listed)),
        reason: 'ATTEMPTS_EXHAUSTED',
        detail: 'x',
        at: 1,
      });

    test("under ordering 'partition' an entry waits while another unit of its partition is pending; a malformed unit's own pending entry is not another", async () => {
      const listed = { ...unit, id: 'orders/2/300~a', offset: 300, attempts: 3 };
      // Error-listed as malformed by an older node: it kept its own pending entry.
      const own = { ...unit, id: 'orders/2/400~m', offset: 400 };
      await redis.sortedSetAdd(keys.pending('orders', 2), [{ member: own.id, score: own.offset }]);
      await redis.listPush(
        keys.error,
        [
          exhausted(listed),
          JSON.stringify({ unit: encodeUnit(own), reason: 'MALFORMED_UNIT', detail: 'y', at: 2 }),
        ],
        { side: 'right' },
      );
      const errors = createErrorList(redis, keys, 'partition');
      const settle = async (claimed: string) => {
        const decoded = decodeUnit(claimed);
        if (!decoded.ok) throw new Error(decoded.reason);
        const done = await completeUnit(redis, keys, { nodeId: node, claimed, unit: decoded.unit });
        expect(done).toBe('completed');
      };
      // `unit` is queued: both wait.
      expect(await errors.requeue()).toEqual({ requeued: 0, partitionBusy: 2, unreadable: 0 });
      expect(await errors.count()).toBe(2);
      await settle(await claim());
      // The malformed unit's own entry is all that is pending: it goes, the other waits on it.
      expect(await errors.requeue()).toEqual({ requeued: 1, partitionBusy: 1, unreadable: 0 });
      expect(await pendingIds()).toEqual([own.id]);
      const requeued = await redis.listMove(keys.work, keys.working(node), {
        from: 'right',
        to: 'left',
      });
      await settle(requeued as string);
      expect(await errors.requeue()).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 0 });
      expect(await pendingIds()).toEqual([listed.id]);
      expect(await errors.count()).toBe(0);
    });

    test("a requeue is careful when either the group's ordering or the caller's says 'partition'", async () => {
      const listed = { ...unit, id: 'orders/2/300~a', offset: 300, attempts: 3 };
      await redis.listPush(keys.error, [exhausted(listed)], { side: 'right' });
      const busy = { requeued: 0, partitionBusy: 1, unreadable: 0 };
      // `unit` is queued. The group's leader orders by partition; the caller says nothing.
      await redis.set(keys.ordering, 'partition');
      expect(await createErrorList(redis, keys, 'unordered').requeue()).toEqual(busy);
      // A key an unordered leader left: a caller who orders by partition stays careful.
      await redis.set(keys.ordering, 'unordered');
      expect(await createErrorList(redis, keys, 'partition').requeue()).toEqual(busy);
      expect(await createErrorList(redis, keys, 'unordered').requeue()).toEqual({
        requeued: 1,
        partitionBusy: 0,
        unreadable: 0,
      });
    });

    test('a MALFORMED_UNIT entry whose raw unit this release reads is requeued; one it cannot read stays listed', async () => {
      // As a node of the previous release error-listed a newer node's unit: its strict
      // schema refused the extra field.
      const newer = `${previousRelease.slice(0, -1)},"priority":"high"}`;
      const entry = (raw: string, detail: string) =>
        JSON.stringify({ unit: raw, reason: 'MALFORMED_UNIT', detail, at: 2 });
      const unreadable = JSON.stringify({ ...JSON.parse(previousRelease), v: 9 });
      await redis.listPush(
        keys.error,
        [
          entry(newer, '(root): Unrecognized key: "priority"'),
          entry('not a unit', 'not JSON'),
          entry(unreadable, 'v: …'),
        ],
        { side: 'right' },
      );
      const errors = createErrorList(redis, keys, 'unordered');
      expect(await errors.requeue()).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 2 });
      expect(await redis.listRange(keys.work, -1, -1)).toEqual([
        '{"r":1,"v":1,"id":"orders/2/7","topic":"orders","partition":2,"offset":7,"len":3,"attempts":0,"ts":1,"priority":"high"}',
      ]);
      expect(await pendingIds()).toContain('orders/2/7');
      expect((await errors.list()).map((e) => e.unit)).toEqual(['not a unit', unreadable]);
    });
  },
);
