import { setTimeout as delay } from 'node:timers/promises';
import { kafkaClient, startRedisSingle, waitUntil } from '@kf/devstack';
import { type Logger, silentLogger } from '@kf/protocol';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import {
  type ListedError,
  type OffsetsMovedEvent,
  openGroupAdmin,
  type UnitFailedEvent,
  type UnitsScheduledEvent,
} from '../src/index.js';
import { keysOf } from './support/group-keys.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { redisCaller } from './support/redis-call.js';
import { useKafkaRedis } from './support/stack.js';

// The organiser's tick (conf.workCalculateFreq), short so scheduling costs little.
const TICK_MS = 20;
// Waits for deliveries make no timing claim: their bound only ends a failing test. Each
// wait here is over in under 2 s on the 2-core development machine; 30 s leaves room
// for a machine shared with other test runs.
const DELIVERY_MS = 30_000;

/**
 * The group's two lists, as the consumer README documents them. The work list: bounded
 * by `maxQueuedUnits` on a running group, and fed only from the group's topics
 * (`removeTopics`, `addTopics`). The error list: what an `eachBatch` failure lists, what
 * retention lists, `errors.list({ offset })` and `errors.requeue(filter)`.
 */
describe('the work list and the error list', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-lists-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'lists-test',
    conf: { useEarliest: true, workCalculateFreq: TICK_MS },
  });

  const redisCall = redisCaller(stack);

  /** Deletes the partition's records below `offset`, as retention does. */
  async function deleteBelow(t: string, offset: number): Promise<void> {
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-lists-test-admin').admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [t] }); // deleteTopicRecords needs it loaded
      await admin.deleteTopicRecords({
        topic: t,
        partitions: [{ partition: 0, offset: `${offset}` }],
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** Nothing of the partition queued or pending, and the node holds no unit. */
  const idle = async (groupName: string, t: string, inFlight: () => number) => {
    const keys = keysOf(groupName);
    const [queued, pending] = await Promise.all([
      redisCall('LLEN', keys.work),
      redisCall('ZCARD', keys.pending(t, 0)),
    ]);
    return queued === 0 && pending === 0 && inFlight() === 0;
  };

  test('maxQueuedUnits: on a running group the work list never holds more, the rest waits in Kafka, and everything is consumed', async () => {
    const MAX_QUEUED = 3;
    const COUNT = 100;
    const STEP = 5;
    const t = await topic('lists-bounded', 1);
    await produceIds(stack.producer, t, { count: COUNT, partitions: 1 });
    const conf = config({ maxQueuedUnits: MAX_QUEUED, consumeStep: STEP, concurrency: 1 });
    const keys = keysOf(conf.redis.groupName);
    const n = await node(conf, [t]);
    const scheduled: UnitsScheduledEvent[] = [];
    n.on('unitsScheduled', (e) => scheduled.push(e));

    // The work list's length and the saved offset, read together every 5 ms while the
    // group runs.
    // The single worker's first message waits until the list has been seen full while
    // offsets still wait in Kafka: held there, the organiser can only fill the list to
    // its bound and stop, so that state lasts until the gate opens (no race with a
    // sampling period).
    let full = false;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const samples: Array<{ queued: number; saved: number }> = [];
    const sampler = new Redis({ host: stack.redis.info.host, port: stack.redis.info.port });
    let sampling = true;
    const sampled = (async () => {
      while (sampling) {
        const replies = await sampler.multi().llen(keys.work).hget(keys.offsets, `${t}/0`).exec();
        const sample = { queued: Number(replies?.[0]?.[1]), saved: Number(replies?.[1]?.[1] ?? 0) };
        samples.push(sample);
        if (!full && sample.queued === MAX_QUEUED && sample.saved < COUNT) {
          full = true;
          openGate();
        }
        await delay(5);
      }
    })();
    const seen: number[] = [];
    try {
      await n.run({
        eachMessage: async ({ message }) => {
          await gate;
          // Work that takes a while: the single worker drains slower than the organiser
          // (a tick every 20 ms) fills, so the list sits at its bound.
          await delay(2);
          seen.push(message.offset);
        },
      });
      await until(
        waitUntil,
        () => full,
        'the work list full while offsets wait in Kafka',
        DELIVERY_MS,
      );
      await until(waitUntil, () => seen.length >= COUNT, 'every message', DELIVERY_MS);
      await until(
        waitUntil,
        () => idle(conf.redis.groupName, t, () => n.status().inFlight),
        'idle',
        DELIVERY_MS,
      );
    } finally {
      openGate();
      sampling = false;
      await sampled;
      sampler.disconnect();
    }
    expect(seen.sort((a, b) => a - b)).toEqual(range(0, COUNT));
    const most = Math.max(...samples.map((s) => s.queued));
    expect(most).toBeLessThanOrEqual(MAX_QUEUED);
    // The bound was what held scheduling back: the list was full while offsets remained
    // unscheduled in Kafka.
    expect(samples.some((s) => s.queued === MAX_QUEUED && s.saved < COUNT)).toBe(true);
    // Every scheduling fitted the room, and together they cover [0, COUNT) once, in order.
    expect(scheduled.every((e) => e.units >= 1 && e.units <= MAX_QUEUED)).toBe(true);
    expect(scheduled.map((e) => [e.from, e.to])).toEqual(
      scheduled.map((e, i) => [i === 0 ? 0 : scheduled[i - 1]?.to, e.from + STEP * e.units]),
    );
    expect(scheduled.at(-1)?.to).toBe(COUNT);
    expect(scheduled.reduce((sum, e) => sum + e.units, 0)).toBe(COUNT / STEP);
  });

  test('removeTopics stops scheduling while units already queued still run; addTopics resumes at the saved offset, no gap and no offset twice', async () => {
    const t = await topic('lists-removed', 1);
    const witness = await topic('lists-witness', 1);
    await produceIds(stack.producer, t, { count: 30, partitions: 1 });
    const conf = config({ consumeStep: 10, concurrency: 1 });
    const keys = keysOf(conf.redis.groupName);
    const saved = async () => Number(await redisCall('HGET', keys.offsets, `${t}/0`));
    // Not consuming yet: what the organiser queued stays queued.
    const n = await node(conf, [t, witness]);
    const scheduled: UnitsScheduledEvent[] = [];
    n.on('unitsScheduled', (e) => scheduled.push(e));
    const scheduledUpTo = (name: string, to: number) => () =>
      scheduled.some((e) => e.topic === name && e.to === to);
    await until(waitUntil, scheduledUpTo(t, 30), 'the first 30 offsets queued', DELIVERY_MS);
    expect(scheduled).toEqual([
      { topic: t, partition: 0, from: 0, to: 30, units: 3, epoch: expect.any(Number) },
    ]);

    await n.removeTopics([t]);
    expect(await n.topics()).toEqual([witness]);
    // A witness topic proves ticks ran after the removal. Tick A schedules its first
    // offset; the tick after it began after the removal and read the offsets after t's
    // 20 new offsets were written, so it would have scheduled them were t still a topic.
    await produceIds(stack.producer, witness, { count: 1, partitions: 1 });
    await until(waitUntil, scheduledUpTo(witness, 1), 'tick A', DELIVERY_MS);
    await produceIds(stack.producer, t, { count: 20, partitions: 1, start: 30 });
    await produceIds(stack.producer, witness, { count: 1, partitions: 1, start: 1 });
    await until(waitUntil, scheduledUpTo(witness, 2), 'a tick after tick A', DELIVERY_MS);
    expect(scheduled.filter((e) => e.topic === t)).toHaveLength(1);
    expect(await saved()).toBe(30);

    const seen: Record<string, number[]> = { [t]: [], [witness]: [] };
    await n.run({
      eachMessage: async ({ message }) => void seen[message.topic]?.push(message.offset),
    });
    // The three units queued before the removal run; nothing of t past them.
    await until(
      waitUntil,
      async () =>
        seen[t]?.length === 30 &&
        seen[witness]?.length === 2 &&
        (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
      'the units queued before the removal consumed',
      DELIVERY_MS,
    );
    expect(seen[t]?.sort((a, b) => a - b)).toEqual(range(0, 30));
    expect(await saved()).toBe(30);

    await n.addTopics([t]);
    await until(
      waitUntil,
      async () =>
        (seen[t]?.length ?? 0) >= 50 &&
        (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
      't consumed again after it was added back',
      DELIVERY_MS,
    );
    // Resumed where it stopped: offsets 30–49 once each, nothing before them again.
    expect(seen[t]?.sort((a, b) => a - b)).toEqual(range(0, 50));
    expect(scheduled.filter((e) => e.topic === t).map((e) => [e.from, e.to])).toEqual([
      [0, 30],
      [30, 50],
    ]);
    expect(seen[witness]?.sort((a, b) => a - b)).toEqual([0, 1]);
  });

  test('an eachBatch handler that keeps failing error-lists exactly the batch it failed on; the batches around it are delivered, and the log says so', async () => {
    const t = await topic('lists-batch', 1);
    // Three sends, three record batches: [0, 5), [5, 10), [10, 15). With fetch.maxBytes 1
    // each fetch returns one record batch, so each is one call of eachBatch.
    for (const start of [0, 5, 10]) {
      await produceIds(stack.producer, t, { count: 5, partitions: 1, start });
    }
    const conf = config({
      consumeStep: 15,
      concurrency: 1,
      maxAttempts: 2,
      retryBackoffMs: 10,
      maxRetryBackoffMs: 10,
      fetch: { maxBytes: 1 },
    });
    // An operator with no `unitFailed` listener learns of both failures from the log.
    const logged: Array<{ level: 'warn' | 'error'; fields: object; message: string }> = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (fields, message) => void logged.push({ level: 'warn', fields, message }),
      error: (fields, message) => void logged.push({ level: 'error', fields, message }),
    };
    const n = await node(conf, [t], { logger });
    const failed: UnitFailedEvent[] = [];
    n.on('unitFailed', (e) => failed.push(e));
    const handed: number[][] = [];
    const done: number[] = [];
    const before = Date.now();
    await n.run({
      eachBatch: async ({ batch }) => {
        const offsets = batch.messages.map((m) => m.offset);
        handed.push(offsets);
        if (offsets.includes(7)) throw new Error('the batch holding offset 7 fails');
        done.push(...offsets);
      },
    });
    await until(
      waitUntil,
      async () =>
        (await n.errors.count()) >= 1 &&
        (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
      'the failing batch error-listed, the rest consumed',
      DELIVERY_MS,
    );
    expect(handed).toEqual([range(0, 5), range(5, 10), range(5, 10), range(10, 15)]);
    expect(done).toEqual([...range(0, 5), ...range(10, 15)]);
    const entries = await n.errors.list();
    expect(entries).toEqual([
      {
        // The whole batch, [5, 10): not its first message alone, not the unit's rest.
        unit: {
          id: expect.stringMatching(new RegExp(`^${t}/0/5~`)),
          topic: t,
          partition: 0,
          offset: 5,
          len: 5,
          attempts: 2,
          ts: expect.any(Number),
          redelivered: true,
        },
        reason: 'ATTEMPTS_EXHAUSTED',
        detail: '2 attempts failed; the last: the batch holding offset 7 fails',
        at: expect.any(Number),
        raw: expect.any(String),
      },
    ]);
    expect(entries[0]?.at).toBeGreaterThanOrEqual(before);
    expect(failed.map((e) => [e.outcome, e.unit?.offset, e.unit?.len, e.reason])).toEqual([
      // First attempt: batch [0, 5) done, the rest handed back with one attempt.
      ['requeued', 0, 15, undefined],
      // Second attempt, no progress: the batch is given up on, [10, 15) runs afresh.
      ['error-listed', 5, 10, 'ATTEMPTS_EXHAUSTED'],
    ]);
    // The node's logger passes errors on redacted (a copy with name, message and stack).
    const failure = expect.objectContaining({
      name: 'Error',
      message: 'the batch holding offset 7 fails',
    });
    expect(logged.filter((l) => /user code failed|error-listed/.test(l.message))).toEqual([
      {
        level: 'warn',
        fields: {
          node: n.nodeId,
          unit: failed[0]?.unit?.id,
          topic: t,
          partition: 0,
          offset: 0,
          len: 15,
          attempts: 0,
          // retryBackoffMs 10, less up to 20 % jitter.
          retryInMs: failed[0]?.retryInMs,
          err: failure,
        },
        message: 'user code failed on a unit; what it did not finish runs again',
      },
      {
        level: 'error',
        fields: {
          node: n.nodeId,
          // The part listed, [5, 10), not the claimed unit [5, 15): [10, 15) ran again.
          unit: (entries[0]?.unit as { id: string } | undefined)?.id,
          topic: t,
          partition: 0,
          offset: 5,
          len: 5,
          attempts: 2,
          reason: 'ATTEMPTS_EXHAUSTED',
          err: failure,
        },
        message:
          'a unit was error-listed: its offsets wait in the error list until they are requeued or purged',
      },
    ]);
  });

  test('errors.list({ offset, limit }) pages through the entries oldest first; errors.requeue(filter) queues exactly those it accepts', async () => {
    const t = await topic('lists-requeue', 1);
    await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    const conf = config({ consumeStep: 20, concurrency: 1, maxAttempts: 1 });
    const n = await node(conf, [t]);
    const poison = new Set([3, 8, 15]);
    let failing = true;
    const seen: Array<{ offset: number; redelivered: boolean; attempts: number }> = [];
    const before = Date.now();
    await n.run({
      eachMessage: async ({ message, unit }) => {
        if (failing && poison.has(message.offset)) throw new Error(`poison ${message.offset}`);
        seen.push({
          offset: message.offset,
          redelivered: message.redelivered,
          attempts: unit.attempts,
        });
      },
    });
    await until(
      waitUntil,
      async () =>
        (await n.errors.count()) === 3 &&
        (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
      'three poison messages error-listed, the rest consumed',
      DELIVERY_MS,
    );
    expect(seen.map((s) => s.offset).sort((a, b) => a - b)).toEqual(
      range(0, 20).filter((o) => !poison.has(o)),
    );
    const entryAt = (offset: number) => ({
      unit: {
        id: expect.stringMatching(new RegExp(`^${t}/0/${offset}~`)),
        topic: t,
        partition: 0,
        offset,
        len: 1,
        attempts: 1,
        ts: expect.any(Number),
        redelivered: true,
      },
      reason: 'ATTEMPTS_EXHAUSTED',
      detail: `1 attempts failed; the last: poison ${offset}`,
      at: expect.any(Number),
      raw: expect.any(String),
    });
    // One unit, poison after poison: listed in offset order, which is the order of failing.
    const all = await n.errors.list();
    expect(all).toEqual([entryAt(3), entryAt(8), entryAt(15)]);
    expect(all.every((e) => e.at >= before && e.at <= Date.now())).toBe(true);
    expect(await n.errors.list({ offset: 1 })).toEqual([all[1], all[2]]);
    expect(await n.errors.list({ offset: 1, limit: 1 })).toEqual([all[1]]);
    expect(await n.errors.list({ offset: 2, limit: 5 })).toEqual([all[2]]);
    expect(await n.errors.list({ offset: 3 })).toEqual([]);

    failing = false;
    seen.length = 0;
    const offered: ListedError[] = [];
    const queued = await n.errors.requeue((e) => {
      offered.push(e);
      return typeof e.unit !== 'string' && e.unit.offset === 15;
    });
    expect(queued).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 0 });
    expect(offered).toEqual(all);
    // The entries the filter refused stay, exactly as they were.
    expect(await n.errors.list()).toEqual([all[0], all[1]]);
    await until(waitUntil, () => seen.length === 1, 'the requeued entry consumed', DELIVERY_MS);
    expect(seen).toEqual([{ offset: 15, redelivered: true, attempts: 0 }]);

    expect(await n.errors.requeue()).toEqual({ requeued: 2, partitionBusy: 0, unreadable: 0 });
    await until(waitUntil, () => seen.length === 3, 'the other two consumed', DELIVERY_MS);
    expect(seen.slice(1).sort((a, b) => a.offset - b.offset)).toEqual([
      { offset: 3, redelivered: true, attempts: 0 },
      { offset: 8, redelivered: true, attempts: 0 },
    ]);
    expect(await n.errors.count()).toBe(0);
  });

  test("under ordering: 'partition' an entry whose partition has a unit in flight stays listed, reported, until that unit settles: the partition's user code never overlaps", async () => {
    const t = await topic('lists-requeue-ordered', 1);
    await produceIds(stack.producer, t, { count: 5, partitions: 1 });
    // Two slots: without the partition's rule, the requeued unit would run beside the
    // one in flight.
    const conf = config({ ordering: 'partition', consumeStep: 5, concurrency: 2, maxAttempts: 1 });
    const n = await node(conf, [t]);
    let active = 0;
    let mostActive = 0;
    const seen: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let failing = true;
    await n.run({
      eachMessage: async ({ message }) => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        try {
          if (failing && message.offset === 2) throw new Error('poison 2');
          if (message.offset === 5) await gate;
          seen.push(message.offset);
        } finally {
          active -= 1;
        }
      },
    });
    await until(
      waitUntil,
      async () => (await n.errors.count()) === 1 && seen.length === 4,
      'offset 2 error-listed, the rest of its unit consumed',
      DELIVERY_MS,
    );
    failing = false;
    await produceIds(stack.producer, t, { count: 5, partitions: 1, start: 5 });
    await until(waitUntil, () => active === 1, 'the unit of [5, 10) in user code', DELIVERY_MS);

    // An admin whose own config says unordered (a `kf` run with flags alone): the ordering
    // the group's leader schedules under is what counts.
    const admin = await openGroupAdmin({ ...conf, conf: { ...conf.conf, ordering: 'unordered' } });
    try {
      const [entry] = await n.errors.list();
      const busy = { requeued: 0, partitionBusy: 1, unreadable: 0 };
      expect(await n.errors.requeue()).toEqual(busy);
      expect(await admin.errors.requeue()).toEqual(busy);
      expect(await n.errors.list()).toEqual([entry]);

      // A backlog behind the held unit leaves the partition free only between one unit and
      // the next. Paused, the leader schedules none of it, and once the held unit settles
      // the requeue finds the partition free.
      await produceIds(stack.producer, t, { count: 5, partitions: 1, start: 10 });
      await n.pause();
      release();
      await until(
        waitUntil,
        async () =>
          seen.length === 9 && (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
        'the held unit settled, nothing new scheduled',
        DELIVERY_MS,
      );
      expect(await admin.errors.requeue()).toEqual({
        requeued: 1,
        partitionBusy: 0,
        unreadable: 0,
      });
      await n.resume();
      await until(
        waitUntil,
        () => seen.length === 15,
        'the requeued entry, then the backlog',
        DELIVERY_MS,
      );
    } finally {
      await admin.close();
    }
    expect(seen).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 2, 10, 11, 12, 13, 14]);
    expect(mostActive).toBe(1);
    expect(await n.errors.count()).toBe(0);
  });

  test('a unit whose offsets retention deleted after it was scheduled is error-listed with exactly the deleted range; the offsets still held are delivered', async () => {
    const t = await topic('lists-retention', 1);
    await produceIds(stack.producer, t, { count: 30, partitions: 1 });
    const conf = config({ consumeStep: 10, concurrency: 1 });
    // Not consuming yet: the units [0, 10), [10, 20), [20, 30) wait in Redis.
    const n = await node(conf, [t]);
    const scheduled: UnitsScheduledEvent[] = [];
    n.on('unitsScheduled', (e) => scheduled.push(e));
    await until(waitUntil, () => scheduled.some((e) => e.to === 30), 'queued', DELIVERY_MS);
    expect(scheduled.map((e) => [e.from, e.to, e.units])).toEqual([[0, 30, 3]]);
    await deleteBelow(t, 15);

    const failed: UnitFailedEvent[] = [];
    n.on('unitFailed', (e) => failed.push(e));
    const seen: number[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await until(
      waitUntil,
      async () =>
        (await n.errors.count()) === 2 &&
        (await idle(conf.redis.groupName, t, () => n.status().inFlight)),
      'the deleted ranges listed, the rest consumed',
      DELIVERY_MS,
    );
    expect(seen.sort((a, b) => a - b)).toEqual(range(15, 30));
    const entries = (await n.errors.list()).map((e) => ({
      reason: e.reason,
      detail: e.detail,
      unit: typeof e.unit === 'string' ? e.unit : [e.unit.offset, e.unit.len, e.unit.attempts],
    }));
    expect(entries.sort((a, b) => String(a.unit).localeCompare(String(b.unit)))).toEqual([
      {
        reason: 'OFFSET_OUT_OF_RANGE',
        detail: expect.stringMatching(new RegExp(`^offsets \\[0, 10\\) of ${t}/0: `)),
        unit: [0, 10, 0],
      },
      {
        // Only the deleted head of [10, 20); [15, 20) ran as a unit of its own.
        reason: 'OFFSET_OUT_OF_RANGE',
        detail: expect.stringMatching(new RegExp(`^offsets \\[10, 15\\) of ${t}/0: `)),
        unit: [10, 5, 0],
      },
    ]);
    expect(
      failed
        .map((e) => [e.outcome, e.reason, e.unit?.offset, e.unit?.len])
        .sort((a, b) => Number(a[2]) - Number(b[2])),
    ).toEqual([
      ['error-listed', 'OFFSET_OUT_OF_RANGE', 0, 10],
      ['error-listed', 'OFFSET_OUT_OF_RANGE', 10, 10],
    ]);
  });

  test('offsets retention deleted before they were scheduled are reported by offsetsMoved and a warning naming the range', async () => {
    const t = await topic('lists-retention-unscheduled', 1);
    await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    await deleteBelow(t, 12);
    const conf = config();
    // The group had scheduled up to 3 when retention deleted [0, 12).
    await redisCall('HSET', keysOf(conf.redis.groupName).offsets, `${t}/0`, '3');
    const warnings: Array<[unknown, string]> = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (fields: unknown, message?: string) => void warnings.push([fields, message ?? '']),
    };
    const n = await node(conf, [t], { logger });
    const moved: OffsetsMovedEvent[] = [];
    n.on('offsetsMoved', (e) => moved.push(e));
    const seen: number[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(message.offset) });
    await until(waitUntil, () => seen.length === 8, 'the offsets still held', DELIVERY_MS);
    expect(seen.sort((a, b) => a - b)).toEqual(range(12, 20));
    expect(moved).toEqual([{ topic: t, partition: 0, from: 3, to: 12, reason: 'retention' }]);
    expect(
      warnings.filter(([fields]) => (fields as { reason?: string }).reason === 'retention'),
    ).toEqual([
      [
        { topic: t, partition: 0, from: 3, to: 12, reason: 'retention' },
        'offsets were deleted by retention before they were scheduled; they are lost to this group',
      ],
    ]);
    expect(await n.errors.count()).toBe(0);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
