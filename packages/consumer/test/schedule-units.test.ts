import { randomUUID } from 'node:crypto';
import { type GroupKeys, groupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { Probe } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planUnits } from '../src/organiser/plan-units.js';
import {
  PARTITIONS_PER_CALL,
  schedulePartitions,
  scheduleUnits,
  writeCalls,
} from '../src/organiser/schedule-units.js';
import { decodeUnit } from '../src/work-unit/work-unit.js';
import { type Started, setups } from './support/redis-setups.js';

/** A unit id without the suffix that makes it unique: the range it names. */
const rangeOf = (id: string) => id.split('~')[0];

describe.each(setups)('scheduling units on a real Redis (%s)', (_, start) => {
  let server: Started;
  let redis: IRedis;

  beforeAll(async () => {
    server = await start();
    redis = await server.connect(`schedule-${randomUUID()}`);
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });

  /** Keys of a group no other test touches: each test sets up all the state it reads. */
  const freshGroup = () => groupKeys(`schedule-${randomUUID()}`);

  const plan = (from: number, to: number) =>
    planUnits({
      topic: 'orders',
      partition: 1,
      from,
      to,
      consumeStep: 100,
      freeWorkers: 2,
      maxUnits: 10,
      now: 7,
    });

  /** The leader of term `epoch` scheduling [from, to), as planned from `plannedFrom`. */
  const schedule = (
    keys: GroupKeys,
    epoch: number,
    from: number,
    to: number,
    plannedFrom: number | undefined,
  ) => {
    const { units, nextOffset } = plan(from, to);
    return {
      units,
      result: scheduleUnits(redis, keys, {
        epoch,
        topic: 'orders',
        partition: 1,
        plannedFrom,
        units,
        nextOffset,
      }),
    };
  };

  test('queues the units FIFO, records them pending and advances the saved offset, in one step', async () => {
    const keys = freshGroup();
    await redis.set(keys.epoch, '5');
    const { units, result } = schedule(keys, 5, 0, 250, undefined);
    expect(await result).toEqual({ status: 'queued', units: 3 });
    // Workers take from the tail: the first unit planned is the first taken.
    const tailFirst = (await redis.listRange(keys.work, 0, -1))
      .reverse()
      .map((raw) => decodeUnit(raw));
    expect(tailFirst.map((d) => (d.ok ? d.unit.offset : -1))).toEqual([0, 100, 200]);
    expect(await redis.hashGet(keys.offsets, 'orders/1')).toBe('250');
    const pending = await redis.sortedSetRangeByScore(keys.pending('orders', 1), {
      min: '-inf',
      max: '+inf',
    });
    // Members are the units' ids (each unique per scheduling), scored by first offset.
    expect(pending).toEqual(units.map((u) => ({ member: u.id, score: u.offset })));
    expect(pending.map((p) => rangeOf(p.member))).toEqual([
      'orders/1/0',
      'orders/1/100',
      'orders/1/200',
    ]);
  });

  test('a deposed leader (older epoch) writes nothing', async () => {
    const keys = freshGroup();
    // Term 5 scheduled [0, 250); term 6 has begun since.
    await redis.set(keys.epoch, '5');
    expect(await schedule(keys, 5, 0, 250, undefined).result).toMatchObject({ status: 'queued' });
    await redis.set(keys.epoch, '6');
    const { result } = schedule(keys, 5, 250, 400, 250);
    expect(await result).toEqual({ status: 'deposed', currentEpoch: 6 });
    expect(await redis.listLength(keys.work)).toBe(3);
    expect(await redis.hashGet(keys.offsets, 'orders/1')).toBe('250');
  });

  test('a plan made from an offset that has moved since is refused, so no range is queued twice', async () => {
    const keys = freshGroup();
    await redis.set(keys.epoch, '6');
    expect(await schedule(keys, 6, 0, 250, undefined).result).toMatchObject({ status: 'queued' });
    // The same leader again from a plan made before that write: saved offset 0, now 250.
    const { units, result } = schedule(keys, 6, 0, 250, 0);
    expect(await result).toEqual({ status: 'stale', savedOffset: 250 });
    // Checked through a plain connection (it follows MOVED on the cluster), not the adapter.
    const probe = new Probe(server.probe);
    const ids = await probe
      .command(['ZRANGE', keys.pending('orders', 1), 0, -1])
      .finally(() => probe.close());
    // Still the first scheduling's units, none of the refused plan's.
    expect((ids as string[]).map(rangeOf)).toEqual(['orders/1/0', 'orders/1/100', 'orders/1/200']);
    expect((ids as string[]).filter((id) => units.some((u) => u.id === id))).toEqual([]);
    expect(await redis.listLength(keys.work)).toBe(3);
  });

  /** Partition `partition` of `orders` scheduled over [from, to), planned from `plannedFrom`. */
  const partitionPlan = (
    partition: number,
    from: number,
    to: number,
    plannedFrom: number | undefined,
  ) => {
    const { units, nextOffset } = planUnits({
      topic: 'orders',
      partition,
      from,
      to,
      consumeStep: 100,
      freeWorkers: 1,
      maxUnits: 10,
      now: 7,
    });
    return { topic: 'orders', partition, plannedFrom, units, nextOffset };
  };

  test('one call writes many partitions; one whose saved offset moved is left alone, the others are written', async () => {
    const keys = freshGroup();
    await redis.set(keys.epoch, '3');
    // Partition 1 was moved to 40 since the plan below (made from 0) was made.
    await redis.hashSet(keys.offsets, { 'orders/1': '40' });
    const plans = [
      partitionPlan(0, 0, 150, undefined),
      partitionPlan(1, 0, 50, 0),
      partitionPlan(2, 10, 30, undefined),
    ];
    const result = await schedulePartitions(redis, keys, 3, plans);
    expect(result).toEqual({
      status: 'written',
      partitions: [
        { status: 'queued', units: 2 },
        { status: 'stale', savedOffset: 40 },
        { status: 'queued', units: 1 },
      ],
    });
    expect(await redis.hashGetAll(keys.offsets)).toEqual({
      'orders/0': '150',
      'orders/1': '40',
      'orders/2': '30',
    });
    const queued = (await redis.listRange(keys.work, 0, -1))
      .reverse()
      .map((raw) => decodeUnit(raw));
    // FIFO across partitions too: the first partition's units are taken first.
    expect(queued.map((d) => (d.ok ? `${d.unit.partition}:${d.unit.offset}` : '?'))).toEqual([
      '0:0',
      '0:100',
      '2:10',
    ]);
    expect(
      await redis.sortedSetRangeByScore(keys.pending('orders', 1), { min: '-inf', max: '+inf' }),
    ).toEqual([]);
  });

  test('nothing is written while the group is paused: a tick that read the flag before a pause landed', async () => {
    const keys = freshGroup();
    await redis.set(keys.epoch, '3');
    await redis.set(keys.paused, 'someone');
    const plans = [partitionPlan(0, 0, 50, undefined)];
    expect(await schedulePartitions(redis, keys, 3, plans)).toEqual({ status: 'paused' });
    expect(await redis.listLength(keys.work)).toBe(0);
    expect(await redis.hashGetAll(keys.offsets)).toEqual({});
    await redis.del(keys.paused);
    expect(await schedulePartitions(redis, keys, 3, plans)).toEqual({
      status: 'written',
      partitions: [{ status: 'queued', units: 1 }],
    });
  });

  test("under ordering 'partition' a partition with a unit pending since the plan was made is left alone; saved offsets still move where no units are written", async () => {
    const keys = freshGroup();
    await redis.set(keys.epoch, '3');
    await redis.hashSet(keys.offsets, { 'orders/0': '0', 'orders/1': '0', 'orders/2': '0' });
    // A unit of partition 0 requeued from the error list after the organiser found none.
    await redis.sortedSetAdd(keys.pending('orders', 0), [{ score: 0, member: 'orders/0/0~e' }]);
    await redis.sortedSetAdd(keys.pending('orders', 2), [{ score: 0, member: 'orders/2/0~e' }]);
    const plans = [
      { ...partitionPlan(0, 0, 50, 0), units: partitionPlan(0, 0, 50, 0).units.slice(0, 1) },
      partitionPlan(1, 0, 50, 0),
      // No units: a saved offset moved on (retention), which a pending unit does not hold up.
      { ...partitionPlan(2, 10, 10, 0), nextOffset: 10 },
    ];
    expect(await schedulePartitions(redis, keys, 3, plans, 'partition')).toEqual({
      status: 'written',
      partitions: [
        { status: 'busy', pending: 1 },
        { status: 'queued', units: 1 },
        { status: 'queued', units: 0 },
      ],
    });
    expect(await redis.hashGetAll(keys.offsets)).toEqual({
      'orders/0': '0',
      'orders/1': '50',
      'orders/2': '10',
    });
    expect(await redis.listLength(keys.work)).toBe(1);
    // Unordered, the same pending unit holds nothing up.
    const unordered = await schedulePartitions(redis, keys, 3, [plans[0] as (typeof plans)[0]]);
    expect(unordered).toEqual({ status: 'written', partitions: [{ status: 'queued', units: 1 }] });
  });
});

describe("cutting a tick's writes into script calls", () => {
  const writes = (saved: Array<boolean>) => saved.map((isSaved, i) => ({ i, isSaved }));
  const unsaved = (w: { isSaved: boolean }) => !w.isSaved;
  const ids = (calls: Array<Array<{ i: number }>>) => calls.map((c) => c.map((w) => w.i));

  test('one call for up to PARTITIONS_PER_CALL partitions, then calls of that many', () => {
    expect(ids(writeCalls(writes([true, true, true]), unsaved, 0))).toEqual([[0, 1, 2]]);
    const many = writes(Array.from({ length: 2 * PARTITIONS_PER_CALL + 1 }, () => true));
    expect(writeCalls(many, unsaved, 0).map((c) => c.length)).toEqual([
      PARTITIONS_PER_CALL,
      PARTITIONS_PER_CALL,
      1,
    ]);
    expect(writeCalls([], unsaved, 0)).toEqual([]);
  });

  test('every partition with nothing saved goes in the first call, however many', () => {
    const saved = Array.from({ length: PARTITIONS_PER_CALL + 2 }, (_, i) => i % 2 === 0);
    const calls = writeCalls(writes(saved), unsaved, 0);
    const firstCall = calls[0] ?? [];
    expect(firstCall.filter((w) => !w.isSaved)).toHaveLength(saved.filter((s) => !s).length);
    expect(
      calls
        .slice(1)
        .flat()
        .every((w) => w.isSaved),
    ).toBe(true);
    expect(calls.flat()).toHaveLength(saved.length);
  });

  test('with replicas to wait for, each call holds one saved partition (the first, every unsaved one besides)', () => {
    expect(ids(writeCalls(writes([true, false, true, true]), unsaved, 1))).toEqual([
      [1, 0],
      [2],
      [3],
    ]);
  });
});
