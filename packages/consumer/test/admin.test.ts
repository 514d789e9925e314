import { createRedis, groupKeys } from '@kf/core';
import { startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { type GroupAdmin, openGroupAdmin } from '../src/index.js';
import { planUnits } from '../src/organiser/plan-units.js';
import { scheduleUnits } from '../src/organiser/schedule-units.js';
import { decodeUnit, unitId, type WorkUnit } from '../src/work-unit/work-unit.js';
import { encodeErrorEntry } from '../src/worker/fail-unit.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

const TICK_MS = 100;
const LOCK_TTL_MS = 1_000;
const LEASE_TTL_MS = 2_000;
// A pause is read by the leader at the start of each tick: after this many ticks with no
// scheduling it has had every chance to schedule. 300 ms of margin for late timers on a
// shared 2-core machine.
const PAUSED_TICKS = 5;
const PAUSE_WATCH_MS = PAUSED_TICKS * TICK_MS + 300;

describe('openGroupAdmin on a running group', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-admin-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'admin-test',
    conf: {
      useEarliest: true,
      workCalculateFreq: TICK_MS,
      leaderLockTtlMs: LOCK_TTL_MS,
      leaseTtlMs: LEASE_TTL_MS,
    },
  });
  const admins: GroupAdmin[] = [];
  afterEach(async () => {
    await Promise.all(admins.splice(0).map((a) => a.close()));
  });
  const admin = async (conf: Parameters<typeof openGroupAdmin>[0]) => {
    const opened = await openGroupAdmin(conf, { actor: 'ops@test' });
    admins.push(opened);
    return opened;
  };
  /** Every partition of the group's topics started and settled up to its log end. */
  const caughtUp = async (a: GroupAdmin) =>
    (await a.lag()).topics.every((t) => t.partitions.every((p) => p.lag === 0));

  test('status, lag, and a pause the leader honours until resumed', async () => {
    const t = await topic('admin-status', 2);
    await produceIds(stack.producer, t, { count: 100, partitions: 2 });
    const conf = config();
    const n = await node(conf, [t]);
    const seen = new Set<string>();
    await n.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    const a = await admin(conf);
    await until(waitUntil, async () => await caughtUp(a), 'the group caught up');

    const status = await a.status();
    expect(status.group).toBe(conf.redis.groupName);
    expect(status.leader.held).toBe(true);
    expect(status.leader.nodeId).toBe(n.nodeId);
    expect(status.leader.epoch).toBeGreaterThanOrEqual(1);
    expect(status.leader.ttlMs).toBeGreaterThan(0);
    expect(status.leader.ttlMs).toBeLessThanOrEqual(LOCK_TTL_MS);
    expect(status.paused).toBeNull();
    expect(status.topics).toEqual([t]);
    expect(status.nodes).toHaveLength(1);
    expect(status.nodes[0]).toMatchObject({ nodeId: n.nodeId, live: true, inFlight: 0 });
    expect(status.nodes[0]?.leaseRemainingMs).toBeGreaterThan(0);
    expect(status.nodes[0]?.leaseRemainingMs).toBeLessThanOrEqual(LEASE_TTL_MS);
    expect({ work: status.work, working: status.working, errors: status.errors }).toEqual({
      work: 0,
      working: 0,
      errors: 0,
    });

    const lag = await a.lag();
    expect(lag.topics).toHaveLength(1);
    expect(lag.topics[0]?.partitions).toEqual(
      [0, 1].map((partition) => ({
        topic: t,
        partition,
        logEnd: 50,
        completed: 50,
        scheduled: 50,
        queuedUnits: 0,
        inFlightUnits: 0,
        lag: 0,
      })),
    );

    const paused = await a.pause();
    expect(paused).toMatchObject({ paused: true, note: { by: 'ops@test' } });
    expect((await a.pause()).paused).toBe(false);
    expect((await a.status()).paused?.by).toBe('ops@test');
    // A tick under way when the pause was set may still schedule what it read; every tick
    // that starts after it sees the pause. Two ticks: the one under way, and a late timer.
    await new Promise((r) => setTimeout(r, 2 * TICK_MS));
    await produceIds(stack.producer, t, { count: 20, partitions: 2, start: 100 });
    await new Promise((r) => setTimeout(r, PAUSE_WATCH_MS));
    const whilePaused = (await a.lag()).topics[0]?.partitions ?? [];
    expect(whilePaused.map((p) => [p.logEnd, p.scheduled, p.lag])).toEqual([
      [60, 50, 10],
      [60, 50, 10],
    ]);
    expect(seen.size).toBe(100);

    expect(await a.resume()).toMatchObject({ resumed: true, note: { by: 'ops@test' } });
    expect((await a.resume()).resumed).toBe(false);
    await until(waitUntil, async () => await caughtUp(a), 'the group caught up again');
    expect(seen.size).toBe(120);
  });

  test('an offsets reset to earliest while a node holds a unit: queued units dropped and reported, every offset from the new position delivered again', async () => {
    const t = await topic('admin-reset', 2);
    await produceIds(stack.producer, t, { count: 200, partitions: 2 });
    // One slot and units of 10: the node holds one unit while 19 wait in the work list.
    const conf = config({ consumeStep: 10, concurrency: 1 });
    const keys = groupKeys(conf.redis.groupName);
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const deliveries: Array<{ partition: number; offset: number; unit: string }> = [];
    const n = await node(conf, [t]);
    await n.run({
      eachMessage: async ({ message, unit }) => {
        await gate;
        deliveries.push({ partition: message.partition, offset: message.offset, unit: unit.id });
      },
    });
    const a = await admin(conf);
    const readUnits = async (key: string) =>
      ((await withRedis(stack.redis.info, (c) => c.call('LRANGE', key, '0', '-1'))) as string[])
        .map(decodeUnit)
        .flatMap((d) => (d.ok ? [d.unit] : []));
    await until(
      waitUntil,
      async () =>
        (await readUnits(keys.work)).length === 19 &&
        (await readUnits(keys.working(n.nodeId))).length === 1,
      'one unit held, 19 queued',
    );
    const queued = await readUnits(keys.work);
    const [held] = await readUnits(keys.working(n.nodeId));
    const before = new Set([...queued, held].map((u) => u?.id));
    const queuedOf0 = queued
      .filter((u) => u.partition === 0)
      .map(({ partition, offset, len }) => ({ partition, offset, len }))
      .sort((x, y) => x.offset - y.offset);

    const dry = await a.resetOffsets({ topic: t, partition: 0, to: 'earliest' });
    expect(dry).toEqual({
      topic: t,
      dryRun: true,
      partitions: [{ partition: 0, from: 100, to: 0, logStart: 0, logEnd: 100 }],
      dropped: queuedOf0,
      droppedUnreadable: [],
      inFlightUnits: held?.partition === 0 ? 1 : 0,
      pause: null,
      warnings: [],
    });
    expect(await readUnits(keys.work)).toHaveLength(19);

    const applied = await a.resetOffsets({ topic: t, partition: 0, to: 'earliest', dryRun: false });
    expect(applied).toEqual({ ...dry, dryRun: false, pause: 'reset' });
    expect((await a.status()).paused).toBeNull();
    const pendingOf0 = (await withRedis(stack.redis.info, (c) =>
      c.call('ZRANGE', keys.pending(t, 0), '0', '-1'),
    )) as string[];
    // Of the units scheduled before the reset, only the held one is still pending. The
    // leader may already have scheduled the partition again from 0 once the reset lifted
    // its pause: those units are new, and delivered below.
    expect(pendingOf0.filter((id) => before.has(id))).toEqual(
      held?.partition === 0 ? [held.id] : [],
    );

    open();
    const fresh = (partition: number) =>
      new Set(
        deliveries
          .filter((d) => d.partition === partition && !before.has(d.unit))
          .map((d) => d.offset),
      );
    await until(
      waitUntil,
      async () => fresh(0).size === 100 && (await caughtUp(a)),
      'partition 0 delivered again from 0, and the group caught up',
    );
    // Partition 1 was not reset: each of its offsets once, none lost.
    const ofOne = deliveries.filter((d) => d.partition === 1).map((d) => d.offset);
    expect(ofOne.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...fresh(0)].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test('a reset while the group is paused leaves it paused; bad requests are refused with what was wrong', async () => {
    const t = await topic('admin-reset-paused', 1);
    await produceIds(stack.producer, t, { count: 30, partitions: 1 });
    const conf = config();
    const n = await node(conf, [t]);
    await n.run({ eachMessage: async () => {} });
    const a = await admin(conf);
    await until(waitUntil, async () => await caughtUp(a), 'the group caught up');
    await a.pause();
    const applied = await a.resetOffsets({ topic: t, to: 10, dryRun: false });
    expect(applied.partitions).toEqual([
      { partition: 0, from: 30, to: 10, logStart: 0, logEnd: 30 },
    ]);
    expect(applied.pause).toBe('already');
    expect((await a.status()).paused?.by).toBe('ops@test');
    const lag = (await a.lag()).topics[0]?.partitions[0];
    expect([lag?.scheduled, lag?.completed, lag?.lag]).toEqual([10, 10, 20]);

    await expect(a.resetOffsets({ topic: t, to: 31 })).rejects.toThrow(
      `offset 31 is outside the log: ${t}/0 holds 0 to 30`,
    );
    await expect(a.resetOffsets({ topic: t, partition: 3, to: 'latest' })).rejects.toThrow(
      `partition 3 of ${t} does not exist: it has partitions 0 to 0`,
    );
    await expect(a.resetOffsets({ topic: 'not-ours', to: 'latest' })).rejects.toThrow(
      `topic not-ours is not one of the group's topics (${t})`,
    );
    await a.resume();
    await until(waitUntil, async () => await caughtUp(a), 'offsets 10 to 30 run again');
  });

  test("a leader's write planned before a reset writes nothing after it", async () => {
    const t = await topic('admin-reset-stale', 1);
    await produceIds(stack.producer, t, { count: 30, partitions: 1 });
    const conf = config();
    const keys = groupKeys(conf.redis.groupName);
    const redis = await createRedis(conf.redis);
    try {
      // A group as a leader of epoch 1 left it: offsets 0 to 20 scheduled and completed.
      await redis.setAdd(keys.topics, [t]);
      await redis.set(keys.epoch, '1');
      await redis.hashSet(keys.offsets, { [`${t}/0`]: '20' });
      // The leader reads the saved offset 20 and plans [20, 30); the reset lands before
      // its write.
      const plan = planUnits({
        topic: t,
        partition: 0,
        from: 20,
        to: 30,
        consumeStep: 10,
        freeWorkers: 1,
        maxUnits: 10,
        now: Date.now(),
      });
      const a = await admin(conf);
      await a.resetOffsets({ topic: t, to: 5, dryRun: false });
      const write = await scheduleUnits(redis, keys, {
        epoch: 1,
        topic: t,
        partition: 0,
        plannedFrom: 20,
        units: plan.units,
        nextOffset: plan.nextOffset,
      });
      expect(write).toEqual({ status: 'stale', savedOffset: 5 });
      expect(await redis.listLength(keys.work)).toBe(0);
      expect(await redis.hashGet(keys.offsets, `${t}/0`)).toBe('5');
    } finally {
      await redis.close();
    }
  });

  test('the error list: filtered list, show, requeue and purge', async () => {
    const conf = config();
    const keys = groupKeys(conf.redis.groupName);
    const a = await admin(conf);
    const unit = (topicName: string, partition: number, offset: number): WorkUnit => ({
      id: unitId(topicName, partition, offset),
      topic: topicName,
      partition,
      offset,
      len: 5,
      attempts: 3,
      ts: 1,
    });
    const entries = [
      { unit: unit('orders', 0, 10), reason: 'ATTEMPTS_EXHAUSTED', detail: 'threw', at: 1 },
      { unit: unit('orders', 1, 20), reason: 'ATTEMPTS_EXHAUSTED', detail: 'threw', at: 2 },
      { unit: unit('orders', 1, 30), reason: 'OFFSET_OUT_OF_RANGE', detail: 'gone', at: 3 },
      { unit: unit('payments', 0, 40), reason: 'ATTEMPTS_EXHAUSTED', detail: 'threw', at: 4 },
      { unit: 'not a unit', reason: 'MALFORMED_UNIT', detail: 'not JSON', at: 5 },
    ] as const;
    await withRedis(stack.redis.info, (c) =>
      c.call('RPUSH', keys.error, ...entries.map((e) => encodeErrorEntry(e))),
    );

    const all = await a.errors.list();
    expect(all.matching).toBe(5);
    expect(all.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    const ordersOne = await a.errors.list({ topic: 'orders', partition: 1 });
    expect(ordersOne.entries.map((e) => [e.index, e.reason])).toEqual([
      [1, 'ATTEMPTS_EXHAUSTED'],
      [2, 'OFFSET_OUT_OF_RANGE'],
    ]);
    const exhausted = await a.errors.list({ reason: 'ATTEMPTS_EXHAUSTED', offset: 1, limit: 1 });
    expect(exhausted.matching).toBe(3);
    expect(exhausted.entries.map((e) => e.index)).toEqual([1]);
    expect(await a.errors.show(4)).toMatchObject({ unit: 'not a unit', reason: 'MALFORMED_UNIT' });
    await expect(a.errors.show(5)).rejects.toThrow(
      'no error-list entry at index 5: the list holds 5 (indexes 0 to 4)',
    );

    expect(await a.errors.requeue({ topic: 'payments' })).toEqual({
      requeued: 1,
      partitionBusy: 0,
      unreadable: 0,
    });
    const [requeued] = (await withRedis(stack.redis.info, (c) => c.lrange(keys.work, 0, -1))).map(
      (raw) => decodeUnit(raw),
    );
    expect(requeued).toMatchObject({
      ok: true,
      unit: { topic: 'payments', offset: 40, attempts: 0, redelivered: true },
    });
    expect(await a.errors.purge({ reason: 'ATTEMPTS_EXHAUSTED', topic: 'orders' })).toEqual({
      purged: 2,
      pendingCleared: 0,
      pendingUnknown: [],
    });
    expect((await a.errors.list()).entries.map((e) => e.detail)).toEqual(['gone', 'not JSON']);
    expect(await a.errors.purge()).toEqual({
      purged: 2,
      pendingCleared: 0,
      pendingUnknown: ['not a unit'],
    });
    expect((await a.status()).errors).toBe(0);
  });

  test('an unreachable Redis fails the open with one line naming it', async () => {
    const conf = config({}, { port: 1 });
    const opened = openGroupAdmin(conf, { connectTimeoutMs: 500 });
    await expect(opened).rejects.toMatchObject({
      code: 'KF_ADMIN_UNREACHABLE',
      message: expect.stringMatching(/^Redis at 127\.0\.0\.1:1 is not reachable: /),
    });
  });
});
