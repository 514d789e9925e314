import { createRedis, groupKeys, type RedisFactory } from '@kf/core';
import { startRedisSingle, withRedis } from '@kf/devstack';
import { ConnectionClosedError, type IRedis, type RedisScript } from '@kf/protocol';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { type GroupAdmin, openGroupAdmin } from '../src/index.js';
import { encodeUnit, unitId } from '../src/work-unit/work-unit.js';
import { encodeErrorEntry } from '../src/worker/fail-unit.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

/** The admin's Redis command timeout in these tests. */
const COMMAND_TIMEOUT_MS = 1_000;
/** What the admin documents: three command timeouts, plus 5 s. */
const RESET_PAUSE_TTL_MS = 3 * COMMAND_TIMEOUT_MS + 5_000;
const ACTOR = 'ops@test';
const RESET_NOTE_BY = `${ACTOR} (offsets reset)`;

/**
 * Runs each call of the real adapter through `around`, which may act before or after it,
 * or fail it as a real server or connection would, at the one moment a test needs.
 */
type Around = (method: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>;

function interceptedRedis(around: Around): RedisFactory {
  return async (conf) => {
    const real = await createRedis(conf);
    return new Proxy(real, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          around(String(property), args, () => Promise.resolve(value.apply(target, args)));
      },
    }) as IRedis;
  };
}

const scriptNamed = (method: string, args: unknown[], name: string) =>
  method === 'evalScript' && (args[0] as RedisScript).name === name;

describe('offsets reset: refusals, its pause, what it reports', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-admin-reset' });
  const { config, topic } = useGroupNodes(stack, { prefix: 'admin-reset-test' });
  const admins: GroupAdmin[] = [];
  afterEach(async () => {
    await Promise.all(admins.splice(0).map((a) => a.close()));
  });
  const probe = <T>(work: (c: Redis) => Promise<T>) => withRedis(stack.redis.info, work);

  /** One topic of 30 records on partition 0 for every test (each has a group of its own). */
  let log: Promise<string> | undefined;
  const oneTopic = () => {
    log ??= topic('admin-reset-log', 1).then(async (t) => {
      await produceIds(stack.producer, t, { count: 30, partitions: 1 });
      return t;
    });
    return log;
  };

  /**
   * A group of the topic as a leader left it: saved offset 20 on partition 0, units
   * [10, 15) and [15, 20) queued and pending, and one more of the partition in a newer
   * unit format this kf cannot read; no node runs, so nothing moves unless a test does.
   */
  async function group(around?: Around) {
    const t = await oneTopic();
    const conf = config({}, { timeout: COMMAND_TIMEOUT_MS });
    const keys = groupKeys(conf.redis.groupName);
    const units = [10, 15].map((offset) => ({
      id: unitId(t, 0, offset),
      topic: t,
      partition: 0,
      offset,
      len: 5,
      attempts: 0,
      ts: 1,
    }));
    const newer = JSON.stringify({
      v: 2,
      id: `${t}/0/25~v2`,
      topic: t,
      partition: 0,
      offset: 25,
      len: 5,
      attempts: 0,
      ts: 1,
    });
    await probe(async (c) => {
      await c.sadd(keys.topics, t);
      await c.set(keys.epoch, '1');
      await c.hset(keys.offsets, `${t}/0`, '20');
      await c.rpush(keys.work, ...units.map(encodeUnit), newer);
      await c.zadd(
        keys.pending(t, 0),
        10,
        units[0]?.id ?? '',
        15,
        units[1]?.id ?? '',
        25,
        `${t}/0/25~v2`,
      );
    });
    const admin = await openGroupAdmin(conf, {
      actor: ACTOR,
      ...(around === undefined ? {} : { redisFactory: interceptedRedis(around) }),
    });
    admins.push(admin);
    return { t, conf, keys, admin, newer };
  }

  test('a pause that cannot be lifted after the move is reported beside it, and lapses on its own; so is a count that failed', async () => {
    let moved = false;
    let pttlDuringReset: number | undefined;
    const { t, keys, admin, newer } = await group(async (method, args, call) => {
      if (scriptNamed(method, args, 'reset-offsets')) {
        pttlDuringReset = await probe((c) => c.pttl(keys.paused));
        const reply = await call();
        moved = true;
        return reply;
      }
      if (moved && scriptNamed(method, args, 'resume-if-owner')) {
        throw new ConnectionClosedError('Redis EVALSHA failed: connection lost (ECONNRESET)');
      }
      if (moved && method === 'sortedSetRangeByScore') {
        throw new ConnectionClosedError('Redis ZRANGEBYSCORE failed: connection lost (ECONNRESET)');
      }
      return call();
    });
    const before = Date.now();
    const result = await admin.resetOffsets({ topic: t, to: 5, dryRun: false });
    expect(result).toMatchObject({
      partitions: [{ partition: 0, from: 20, to: 5, logStart: 0, logEnd: 30 }],
      dropped: [
        { partition: 0, offset: 10, len: 5 },
        { partition: 0, offset: 15, len: 5 },
      ],
      droppedUnreadable: [{ partition: 0, raw: newer }],
      inFlightUnits: null,
      pause: 'release-failed',
    });
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toMatch(
      /^the reset's pause could not be lifted \(Redis EVALSHA failed: connection lost \(ECONNRESET\)\): nothing new is scheduled until it lapses at /,
    );
    expect(result.warnings[1]).toMatch(/^the units still claimed by nodes could not be counted: /);
    expect(result.pauseLapsesAt).toBeGreaterThanOrEqual(before + RESET_PAUSE_TTL_MS);
    expect(result.pauseLapsesAt).toBeLessThanOrEqual(Date.now() + RESET_PAUSE_TTL_MS);
    expect(await probe((c) => c.hget(keys.offsets, `${t}/0`))).toBe('5');
    // The pause left behind has the expiry it had during the reset, and no more.
    expect(pttlDuringReset).toBeGreaterThan(0);
    expect(pttlDuringReset).toBeLessThanOrEqual(RESET_PAUSE_TTL_MS);
    const left = await probe((c) => c.pttl(keys.paused));
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(RESET_PAUSE_TTL_MS);
  });

  test('a reset sent again after a lost reply finds its own move and changes nothing more; a move by someone else is refused, naming the partition', async () => {
    const resent = await group(async (method, args, call) => {
      // The client sends the script again after a reconnection: the first answer is lost.
      if (scriptNamed(method, args, 'reset-offsets')) await call();
      return call();
    });
    const refused = resent.admin.resetOffsets({ topic: resent.t, to: 5, dryRun: false });
    await expect(refused).rejects.toMatchObject({ code: 'KF_ADMIN_OFFSETS_MOVED' });
    await expect(refused).rejects.toThrow(
      `the offsets moved since they were read (${resent.t}/0: read 20, now 5): nothing was changed; run the reset again. They now hold this reset's targets`,
    );
    await expect(refused).rejects.toThrow(/check with kf lag$/);
    expect(await probe((c) => c.hget(resent.keys.offsets, `${resent.t}/0`))).toBe('5');
    expect(await probe((c) => c.llen(resent.keys.work))).toBe(0);
    expect(await probe((c) => c.exists(resent.keys.paused))).toBe(0);

    const raced = await group(async (method, args, call) => {
      if (scriptNamed(method, args, 'reset-offsets')) {
        // A leader schedules [20, 30) between the plan and the script.
        await probe((c) => c.hset(raced.keys.offsets, `${raced.t}/0`, '30'));
      }
      return call();
    });
    const stale = raced.admin.resetOffsets({ topic: raced.t, to: 5, dryRun: false });
    await expect(stale).rejects.toThrow(
      `the offsets moved since they were read (${raced.t}/0: read 20, now 30): nothing was changed; run the reset again`,
    );
    await expect(stale).rejects.not.toThrow(/this reset's targets/);
    expect(await probe((c) => c.hget(raced.keys.offsets, `${raced.t}/0`))).toBe('30');
    expect(await probe((c) => c.llen(raced.keys.work))).toBe(3);
    expect(await probe((c) => c.exists(raced.keys.paused))).toBe(0);
  });

  test("an operator's pause during a reset takes the reset's pause over: the group stays paused after it", async () => {
    let operator: GroupAdmin | undefined;
    let tookOver: Awaited<ReturnType<GroupAdmin['pause']>> | undefined;
    const { t, conf, keys, admin } = await group(async (method, args, call) => {
      if (scriptNamed(method, args, 'reset-offsets') && operator !== undefined) {
        tookOver = await operator.pause();
      }
      return call();
    });
    operator = await openGroupAdmin(conf, { actor: 'operator@test' });
    admins.push(operator);
    const result = await admin.resetOffsets({ topic: t, to: 5, dryRun: false });
    expect(tookOver).toMatchObject({
      paused: true,
      note: { by: 'operator@test' },
      tookOver: { by: RESET_NOTE_BY },
    });
    expect(result).toMatchObject({ pause: 'paused-meanwhile', pausedBy: { by: 'operator@test' } });
    expect((await admin.status()).paused?.by).toBe('operator@test');
    // The operator's pause is no temporary one.
    expect(await probe((c) => c.pttl(keys.paused))).toBe(-1);
    // A pause that is nobody's temporary one is kept as it is.
    expect(await admin.pause()).toMatchObject({ paused: false, note: { by: 'operator@test' } });
  });

  test('a signal stops a reset before its script (nothing moves); once the script is sent the reset ends, reporting what it dropped; either way its pause is lifted', async () => {
    const early = new AbortController();
    const before = await group(async (method, args, call) => {
      if (method === 'set' && args[0] === before.keys.paused) early.abort();
      return call();
    });
    const stopped = before.admin.resetOffsets({
      topic: before.t,
      to: 5,
      dryRun: false,
      signal: early.signal,
    });
    await expect(stopped).rejects.toMatchObject({ code: 'KF_ADMIN_INTERRUPTED' });
    await expect(stopped).rejects.toThrow(
      "interrupted: nothing was moved; the reset's pause was lifted",
    );
    expect(await probe((c) => c.hget(before.keys.offsets, `${before.t}/0`))).toBe('20');
    expect(await probe((c) => c.exists(before.keys.paused))).toBe(0);

    const late = new AbortController();
    const during = await group(async (method, args, call) => {
      if (scriptNamed(method, args, 'reset-offsets')) late.abort();
      return call();
    });
    const finished = await during.admin.resetOffsets({
      topic: during.t,
      to: 5,
      dryRun: false,
      signal: late.signal,
    });
    expect(late.signal.aborted).toBe(true);
    expect(finished).toMatchObject({
      partitions: [{ partition: 0, from: 20, to: 5 }],
      dropped: [
        { partition: 0, offset: 10, len: 5 },
        { partition: 0, offset: 15, len: 5 },
      ],
      pause: 'reset',
    });
    expect(await probe((c) => c.hget(during.keys.offsets, `${during.t}/0`))).toBe('5');
    expect(await probe((c) => c.exists(during.keys.paused))).toBe(0);
  });

  test('a reset to the log end never moves a partition back that a leader scheduled past the end it read', async () => {
    // Between the reset reading the log end (30) and pausing the group, a leader's tick
    // scheduled up to a later end: the saved offset the reset then reads is 33.
    const raced = await group(async (method, args, call) => {
      if (method === 'set' && args[0] === raced.keys.paused) {
        await probe((c) => c.hset(raced.keys.offsets, `${raced.t}/0`, '33'));
      }
      return call();
    });
    const result = await raced.admin.resetOffsets({ topic: raced.t, to: 'latest', dryRun: false });
    expect(result.partitions).toEqual([
      { partition: 0, from: 33, to: 33, logStart: 0, logEnd: 30 },
    ]);
    expect(await probe((c) => c.hget(raced.keys.offsets, `${raced.t}/0`))).toBe('33');
  });

  test('a dry run reports the units a reset would drop, those this kf cannot read as queued', async () => {
    const { t, admin, newer } = await group();
    const dry = await admin.resetOffsets({ topic: t, to: 'earliest' });
    expect(dry).toEqual({
      topic: t,
      dryRun: true,
      partitions: [{ partition: 0, from: 20, to: 0, logStart: 0, logEnd: 30 }],
      dropped: [
        { partition: 0, offset: 10, len: 5 },
        { partition: 0, offset: 15, len: 5 },
      ],
      droppedUnreadable: [
        {
          partition: 0,
          raw: newer,
          reason: expect.stringMatching(/^v: format version 2 is newer than this kf reads/),
        },
      ],
      inFlightUnits: 0,
      pause: null,
      warnings: [],
    });
  });

  test('purge removes the pending entry a malformed unit kept, and names the units it could not place', async () => {
    const conf = config();
    const keys = groupKeys(conf.redis.groupName);
    const pending = keys.pending('orders', 3);
    const malformed = JSON.stringify({ v: 2, id: 'orders/3/40~v2', topic: 'orders', partition: 3 });
    const exhausted = {
      id: unitId('orders', 3, 50),
      topic: 'orders',
      partition: 3,
      offset: 50,
      len: 5,
      attempts: 3,
      ts: 1,
    };
    await probe(async (c) => {
      await c.rpush(
        keys.error,
        encodeErrorEntry({ unit: malformed, reason: 'MALFORMED_UNIT', detail: 'v: newer', at: 1 }),
        encodeErrorEntry({
          unit: 'not a unit',
          reason: 'MALFORMED_UNIT',
          detail: 'not JSON',
          at: 2,
        }),
        encodeErrorEntry({ unit: exhausted, reason: 'ATTEMPTS_EXHAUSTED', detail: 'threw', at: 3 }),
      );
      // The malformed unit kept its entry; a live unit of the partition has one; and the
      // exhausted unit's id is pending again for a part of it queued anew.
      await c.zadd(pending, 40, 'orders/3/40~v2', 45, 'orders/3/45~live', 50, exhausted.id);
    });
    const admin = await openGroupAdmin(conf, { actor: ACTOR });
    admins.push(admin);
    expect(await admin.errors.purge()).toEqual({
      purged: 3,
      pendingCleared: 1,
      pendingUnknown: ['not a unit'],
    });
    expect(await probe((c) => c.zrange(pending, '0', '-1'))).toEqual([
      'orders/3/45~live',
      exhausted.id,
    ]);
    expect(await probe((c) => c.llen(keys.error))).toBe(0);
  });

  test("status names the leader from the lock's holder part, never a token's random part", async () => {
    const conf = config();
    const keys = groupKeys(conf.redis.groupName);
    const admin = await openGroupAdmin(conf, { actor: ACTOR });
    admins.push(admin);
    const random = 'a1'.repeat(16);
    expect((await admin.status()).leader).toMatchObject({ held: false, nodeId: null });
    await probe((c) => c.set(keys.leader, `node#a#${random}`, 'PX', 10_000));
    expect((await admin.status()).leader).toMatchObject({ held: true, nodeId: 'node#a' });
    // A lock an older kf took holds the random part alone: held, by a node it does not name.
    await probe((c) => c.set(keys.leader, random, 'PX', 10_000));
    expect((await admin.status()).leader).toMatchObject({ held: true, nodeId: null });
  });
});
