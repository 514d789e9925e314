import { createTopic } from '@kf/devstack';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createKafkaAccess,
  type FetchRequest,
  type FetchResult,
  type KafkaAccess,
  type KafkaRecord,
  NotLeaderError,
} from '../src/index.js';
import { unitRecords } from '../src/organiser/unit-records.js';
import type { UnitRecords, WorkUnit } from '../src/work-unit/work-unit.js';
import { FetchSizes } from '../src/worker/fetch-sizes.js';
import { type Delivery, type RunUnitOptions, runUnit } from '../src/worker/run-unit.js';
import { useKafkaRedis } from './support/stack.js';

const TOPIC = 'unit-fetches';
const BATCHES = 6;
const PER_BATCH = 20;
const VALUE_BYTES = 500;
const MAX_BYTES = 1_048_576;

/** The real port, with every fetch's request and answer recorded, and the fetches sent counted. */
function recorded(real: KafkaAccess) {
  const fetches: Array<{ request: FetchRequest; answer: FetchResult }> = [];
  let sent = 0;
  const kafka = {
    ...real,
    fetch: async (request: FetchRequest) => {
      sent += 1;
      const answer = await real.fetch(request);
      fetches.push({ request, answer });
      return answer;
    },
  } satisfies KafkaAccess;
  return { kafka, fetches, sent: () => sent };
}

/** Collects the offsets handed to user code, in order. */
function collecting(): Delivery & { offsets: number[]; timed: number } {
  const offsets: number[] = [];
  const delivery = {
    offsets,
    timed: 0,
    async deliver(records: KafkaRecord[]) {
      for (const r of records) offsets.push(r.offset);
      return (records.at(-1)?.offset ?? 0) + 1;
    },
    fetched() {
      delivery.timed += 1;
    },
  };
  return delivery;
}

const unitOf = (offset: number, len: number): WorkUnit => ({
  id: `${TOPIC}/0/${offset}~t`,
  topic: TOPIC,
  partition: 0,
  offset,
  len,
  attempts: 0,
  ts: 1,
  redelivered: false,
});

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('a unit read in fetches sized from its length', () => {
  const stack = useKafkaRedis({
    redis: async () => ({ stop: async () => {} }),
    clientId: 'kf-unit-fetches',
  });
  let access: KafkaAccess;

  beforeAll(async () => {
    await createTopic(stack.kafka.info.brokers, { topic: TOPIC, partitions: 1 });
    // Each send to the one partition is one record batch.
    for (let b = 0; b < BATCHES; b++) {
      await stack.producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: PER_BATCH }, () => ({
          partition: 0,
          value: Buffer.alloc(VALUE_BYTES, b),
        })),
      });
    }
    access = createKafkaAccess({ brokers: stack.kafka.info.brokers, clientId: 'kf-unit-fetches' });
  });

  afterAll(async () => {
    await access?.close();
  });

  const options = (kafka: KafkaAccess, delivery: Delivery, sizes: FetchSizes): RunUnitOptions => ({
    kafka,
    fetch: { maxBytes: MAX_BYTES, maxWaitMs: 100 },
    sizes,
    isolation: 'read_uncommitted',
    timeoutMs: 10_000,
    delivery,
    stopping: () => false,
    closeSignal: new AbortController().signal,
  });

  test('an estimate far too low costs short reads, each continued where it stopped: every offset once, in order', async () => {
    // No floor, and 0.01 bytes per offset: the first fetch asks for a few bytes, and the
    // broker answers with just the batch holding the unit's first offset.
    const sizes = new FetchSizes(MAX_BYTES, 1);
    sizes.learn(TOPIC, 0, { count: 1, bytes: 1, offsets: 100 });
    const { kafka, fetches } = recorded(access);
    const delivery = collecting();
    // Starts and ends inside a batch.
    const outcome = await runUnit(unitOf(10, 100), options(kafka, delivery, sizes));
    expect(outcome).toEqual({ kind: 'done', messages: 100 });
    expect(delivery.offsets).toEqual(range(10, 110));
    expect(fetches.length).toBeGreaterThan(1);
    expect(fetches[0]?.request.maxBytes).toBeLessThan(VALUE_BYTES);
    expect(fetches[0]?.answer.batches?.count).toBe(1);
    // Each fetch starts where the one before stopped.
    for (const [i, f] of fetches.entries()) {
      const before = fetches[i - 1];
      expect(f.request.offset).toBe(before === undefined ? 10 : before.answer.nextOffset);
    }
  });

  test('with the partition learned, a short unit at the head of a backlog asks for a little past its end, not fetch.maxBytes', async () => {
    const sizes = new FetchSizes(MAX_BYTES, 1);
    const learn = recorded(access);
    await runUnit(unitOf(0, BATCHES * PER_BATCH), options(learn.kafka, collecting(), sizes));
    // Unknown to the sizes until then: the first fetch asked for the whole limit.
    expect(learn.fetches[0]?.request.maxBytes).toBe(MAX_BYTES);

    const { kafka, fetches } = recorded(access);
    const delivery = collecting();
    const outcome = await runUnit(unitOf(PER_BATCH, 5), options(kafka, delivery, sizes));
    expect(outcome).toEqual({ kind: 'done', messages: 5 });
    expect(delivery.offsets).toEqual(range(PER_BATCH, PER_BATCH + 5));
    expect(fetches).toHaveLength(1);
    const batchBytes = (learn.fetches[0]?.answer.batches?.bytes ?? 0) / BATCHES;
    // The unit's own bytes and a batch of room: its batch whole, the backlog after it not.
    expect(fetches[0]?.request.maxBytes).toBeLessThan(2 * batchBytes);
    expect(fetches[0]?.answer.batches?.count).toBe(1);
  });

  test('sizes stay within the floor and fetch.maxBytes', () => {
    const sizes = new FetchSizes(MAX_BYTES);
    expect(sizes.bytesFor(TOPIC, 0, 1)).toBe(MAX_BYTES);
    sizes.learn(TOPIC, 0, { count: 10, bytes: 10_000, offsets: 10 });
    expect(sizes.bytesFor(TOPIC, 0, 1)).toBe(64 * 1024);
    expect(sizes.bytesFor(TOPIC, 0, 1_000_000)).toBe(MAX_BYTES);
    expect(sizes.bytesFor(TOPIC, 1, 1)).toBe(MAX_BYTES);
    const small = new FetchSizes(1_000);
    small.learn(TOPIC, 0, { count: 1_000, bytes: 1, offsets: 1_000 });
    expect(small.bytesFor(TOPIC, 0, 1)).toBe(1_000);
    // An injected port that reports no batches: nothing learned, fetch.maxBytes asked.
    const unreported = new FetchSizes(MAX_BYTES);
    unreported.learn(TOPIC, 0, undefined);
    expect(unreported.bytesFor(TOPIC, 0, 1)).toBe(MAX_BYTES);
  });

  describe('the next range fetched while user code handles this one', () => {
    // One byte per fetch: the broker answers each with one whole batch.
    const oneBatch = (kafka: KafkaAccess, delivery: Delivery): RunUnitOptions => ({
      ...options(kafka, delivery, new FetchSizes(1, 1)),
      fetch: { maxBytes: 1, maxWaitMs: 100 },
    });

    test('each fetch is sent before the range before it is handed over, and every offset comes once, in order', async () => {
      const { kafka, fetches, sent } = recorded(access);
      const offsets: number[] = [];
      const sentAtHandOver: number[] = [];
      const delivery: Delivery = {
        async deliver(records) {
          sentAtHandOver.push(sent());
          for (const r of records) offsets.push(r.offset);
          return (records.at(-1)?.offset ?? 0) + 1;
        },
      };
      const outcome = await runUnit(unitOf(10, 100), oneBatch(kafka, delivery));
      expect(outcome).toEqual({ kind: 'done', messages: 100 });
      expect(offsets).toEqual(range(10, 110));
      // Batches 0-19, 20-39, … 100-119: six fetches, the next one already sent when each
      // but the last range is handed over.
      expect(fetches.map((f) => f.request.offset)).toEqual([10, 20, 40, 60, 80, 100]);
      expect(sentAtHandOver).toEqual([2, 3, 4, 5, 6, 6]);
    });

    test('a fetch sent ahead that fails fails the unit where the fetch would have, after the range before it is done, and is told to the delivery', async () => {
      const failure = new NotLeaderError(TOPIC, 0, 'no-reply', undefined);
      let failed: () => void = () => undefined;
      const failedAhead = new Promise<void>((resolve) => {
        failed = resolve;
      });
      let calls = 0;
      const kafka = {
        ...access,
        fetch: async (request: FetchRequest) => {
          calls += 1;
          if (calls < 3) return access.fetch(request);
          failed();
          throw failure;
        },
      } satisfies KafkaAccess;
      const offsets: number[] = [];
      const told: unknown[] = [];
      const delivery: Delivery = {
        async deliver(records) {
          // The second range is handed over while the third fetch fails: user code is
          // not cut short by it, and the failure waits until the unit gets there.
          if (records[0]?.offset === 20) await failedAhead;
          for (const r of records) offsets.push(r.offset);
          return (records.at(-1)?.offset ?? 0) + 1;
        },
        fetched: (_unit, _ms, error) => {
          told.push(error);
        },
      };
      const outcome = await runUnit(unitOf(10, 100), oneBatch(kafka, delivery));
      expect(outcome).toMatchObject({
        kind: 'failed',
        messages: 30,
        error: failure,
        progress: { processedUpTo: 40 },
      });
      expect(offsets).toEqual(range(10, 40));
      expect(told).toEqual([undefined, undefined, failure]);
    });
  });

  describe('a unit carrying its records', () => {
    /** The records of `[from, to)` as the leader would cut them from its poll from 0. */
    const carriedOf = async (from: number, to: number): Promise<UnitRecords> => {
      const [end] =
        (await access.awaitLogEnds?.(1, [{ topic: TOPIC, partition: 0, from: 0 }], {
          maxWaitMs: 0,
          isolation: 'read_uncommitted',
          recordsMaxBytes: MAX_BYTES,
        })) ?? [];
      const records =
        end?.error === undefined
          ? unitRecords(end?.records, from, to, MAX_BYTES, 'read_uncommitted')
          : undefined;
      if (records === undefined)
        throw new Error(`the poll brought no records for [${from}, ${to})`);
      return records;
    };

    /** Runs `[10, 50)` carrying its records (read under read_uncommitted), reading under `isolation`. */
    const runCarrying = async (isolation: 'read_uncommitted' | 'read_committed') => {
      const recording = recorded(access);
      const delivery = collecting();
      let served = 0;
      const unit = { ...unitOf(10, 40), records: await carriedOf(10, 50) };
      const outcome = await runUnit(unit, {
        ...options(recording.kafka, delivery, new FetchSizes(MAX_BYTES)),
        isolation,
        served: () => {
          served += 1;
        },
      });
      expect(outcome).toEqual({ kind: 'done', messages: 40 });
      expect(delivery.offsets).toEqual(range(10, 50));
      return { ...recording, served, timed: delivery.timed };
    };

    test('is handed to user code without a fetch, which says nothing of Kafka serving the partition nor times a fetch', async () => {
      const { sent, served, timed } = await runCarrying('read_uncommitted');
      expect(sent()).toBe(0);
      expect(served).toBe(0);
      expect(timed).toBe(0);
    });

    test('records read under the other isolation are not used: the unit is fetched', async () => {
      const { fetches, served, timed } = await runCarrying('read_committed');
      expect(fetches[0]?.request).toMatchObject({ offset: 10, isolation: 'read_committed' });
      expect(served).toBe(fetches.length);
      expect(timed).toBe(fetches.length);
    });

    test('what lies past its records is fetched from where they end', async () => {
      const { kafka, fetches } = recorded(access);
      const delivery = collecting();
      // Batches [0, 20) and [20, 40) hold [10, 30): the rest of [10, 70) is fetched from 40.
      const unit = { ...unitOf(10, 60), records: await carriedOf(10, 30) };
      const outcome = await runUnit(unit, options(kafka, delivery, new FetchSizes(MAX_BYTES)));
      expect(outcome).toEqual({ kind: 'done', messages: 60 });
      expect(delivery.offsets).toEqual(range(10, 70));
      expect(fetches[0]?.request.offset).toBe(40);
    });

    test('records that do not decode are reported, and the unit is fetched instead', async () => {
      const { kafka, fetches } = recorded(access);
      const delivery = collecting();
      const unreadable: unknown[] = [];
      // A record batch (magic 2) whose header claims 20 bytes, shorter than any batch's
      // own header.
      const bogus = Buffer.alloc(32);
      bogus.writeInt32BE(20, 8);
      bogus.writeInt8(2, 16);
      const unit = {
        ...unitOf(10, 40),
        records: {
          from: 10,
          isolation: 'read_uncommitted' as const,
          data: bogus.toString('base64'),
          aborted: [],
        },
      };
      const outcome = await runUnit(unit, {
        ...options(kafka, delivery, new FetchSizes(MAX_BYTES)),
        unreadableRecords: (error) => unreadable.push(error),
      });
      expect(outcome).toEqual({ kind: 'done', messages: 40 });
      expect(delivery.offsets).toEqual(range(10, 50));
      expect(fetches[0]?.request.offset).toBe(10);
      expect(unreadable).toEqual([expect.any(RangeError)]);
    });
  });
});
