import { setTimeout as delay } from 'node:timers/promises';
import type { Isolation, KafkaAccess, KafkaRecord, PolledRecords } from '../kafka/kafka-access.js';
import type { KafkaFixture, ProducedRecord } from './fixture.js';
import type { KafkaAssertion, OptionalKafkaMethod, RangeReader, RangeToRead } from './runner.js';

/** What a case works with. */
export interface KafkaCaseContext<F extends KafkaFixture = KafkaFixture> {
  /** A fresh implementation from `createAccess`, closed after the case. */
  access: KafkaAccess;
  fixture: F;
  expect(actual: unknown): KafkaAssertion;
  /** `base` made unique to this run of the suite: topics and groups are named with it. */
  name(base: string): string;
  /** The topic several cases read (three batches of ten records), written on first use. */
  plainTopic(): Promise<string>;
  /** The optional methods the caller declared. */
  optionalMethods: readonly OptionalKafkaMethod[];
  rangeReaders: Record<string, RangeReader>;
}

export interface KafkaCase<F extends KafkaFixture = KafkaFixture> {
  name: string;
  /** Registered only when the implementation declares all of these. */
  needs?: readonly OptionalKafkaMethod[];
  timeoutMs?: number;
  run(context: KafkaCaseContext<F>): Promise<void>;
}

/**
 * A case's time when it says none: a topic's creation (the fixture waits up to 30 s for
 * its leaders, a second or two in practice) and a few seconds of reading, with room for
 * a loaded machine.
 */
export const CASE_TIMEOUT_MS = 60_000;

export interface RangeRead {
  records: KafkaRecord[];
  /** Fetches it took, so a case can prove the byte limit split the range. */
  fetches: number;
  /** Where the caller would continue: at or past `offset + len`. */
  nextOffset: number;
}

/**
 * What a kf worker does with a unit `[offset, offset + len)`: fetch from `offset`, keep
 * records below the end, continue from `nextOffset` until the range is covered. Fails
 * when a fetch makes no progress while data is there (a stall), instead of looping.
 */
export async function readRange(
  access: KafkaAccess,
  unit: { topic: string; partition: number; offset: number; len: number },
  options: { maxBytes?: number; isolation?: Isolation } = {},
): Promise<RangeRead> {
  const end = unit.offset + unit.len;
  const records: KafkaRecord[] = [];
  let position = unit.offset;
  let fetches = 0;
  let stalls = 0;
  while (position < end) {
    const result = await access.fetch({
      topic: unit.topic,
      partition: unit.partition,
      offset: position,
      maxBytes: options.maxBytes ?? 1024 * 1024,
      maxWaitMs: 100,
      isolation: options.isolation ?? 'read_uncommitted',
    });
    fetches += 1;
    for (const record of result.records) if (record.offset < end) records.push(record);
    if (result.nextOffset <= position && result.highWatermark <= position && stalls++ < 100) {
      // A new leader's high watermark can trail the acknowledged end for a moment.
      await delay(50);
      continue;
    }
    if (result.nextOffset <= position) {
      throw new Error(
        `fetch at ${position} did not advance (next ${result.nextOffset}, high watermark ${result.highWatermark})`,
      );
    }
    position = result.nextOffset;
  }
  return { records, fetches, nextOffset: position };
}

/** A record's key or value as text. */
export const text = (value: Buffer | null): string | null =>
  value === null ? null : value.toString('utf8');

/**
 * Polls `probe` until it answers something other than `undefined`; an error it throws
 * counts as not yet, and is kept as the cause when `timeoutMs` runs out.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`, { cause: lastError });
}

/**
 * Waits until the last stable offset of partition 0 reaches `offset`. No timing claim:
 * the transaction coordinator writes a marker as soon as its transaction ends; 20 s only
 * ends a failing case.
 */
export function stableAt(
  access: KafkaAccess,
  topic: string,
  offset: number,
  what: string,
): Promise<true> {
  return waitFor(what, 20_000, async () =>
    (await access.offsets(topic, 'read_committed'))[0]?.latest === offset ? true : undefined,
  );
}

/**
 * Record `n` of the plain batches: key `k<n>`, value `value-<n>`, headers `n: <n>`,
 * `tag: a`, `tag: b`, timestamp 1_700_000_000_000 + n.
 */
export function plainRecord(n: number): ProducedRecord {
  return {
    key: `k${n}`,
    value: `value-${n}`,
    headers: [
      { key: 'n', value: String(n) },
      { key: 'tag', value: 'a' },
      { key: 'tag', value: 'b' },
    ],
    timestamp: 1_700_000_000_000 + n,
  };
}

/** `batches` record batches of `perBatch` plain records each to partition 0. */
export async function producePlainBatches(
  fixture: KafkaFixture,
  topic: string,
  batches: number,
  perBatch: number,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: perBatch }, (_, i) => plainRecord(b * perBatch + i));
    await fixture.produce(topic, 0, records);
  }
}

/**
 * Reads `range` every other way there is and expects the records `fetched` holds: from
 * a long poll's batches with `readRecords`, when the implementation has it, and with each
 * of the caller's range readers.
 */
export async function expectSameReads(
  context: KafkaCaseContext,
  range: RangeToRead,
  fetched: KafkaRecord[],
): Promise<void> {
  const { access, expect } = context;
  if (context.optionalMethods.includes('readRecords')) {
    expect(await readPolled(access, range)).toEqual(fetched);
  }
  for (const reader of Object.values(context.rangeReaders)) {
    expect(await reader(access, range)).toEqual(fetched);
  }
}

/**
 * The record batches of one partition a long poll from `from` brings: `awaitLogEnds`
 * asked of the partition's leader (from the metadata), answering at once, with up to
 * `recordsMaxBytes` (default 1 MiB) of batches. `undefined` when it brought none or
 * answered an error; throws when the implementation has no `awaitLogEnds`.
 */
export async function pollBatches(
  access: KafkaAccess,
  poll: { topic: string; partition: number; from: number; isolation: Isolation },
  recordsMaxBytes = 1_048_576,
): Promise<PolledRecords | undefined> {
  const { topic, partition, from, isolation } = poll;
  if (access.awaitLogEnds === undefined) throw new Error('the implementation has no awaitLogEnds');
  const leader = (await access.metadata([topic])).topics[0]?.partitions.find(
    (p) => p.partition === partition,
  )?.leader;
  if (leader === undefined) throw new Error(`no leader of ${topic}/${partition} in the metadata`);
  const [end] = await access.awaitLogEnds(leader, [{ topic, partition, from }], {
    maxWaitMs: 0,
    isolation,
    recordsMaxBytes,
  });
  return end?.error === undefined ? end?.records : undefined;
}

/**
 * The records of `range` read with `readRecords` from what one long poll from
 * `range.pollFrom` brought (up to 1 MiB, all the cases' partitions hold).
 */
async function readPolled(access: KafkaAccess, range: RangeToRead): Promise<KafkaRecord[]> {
  const { topic, partition, offset, len, isolation, pollFrom } = range;
  if (access.readRecords === undefined) {
    throw new Error('readRecords is declared, but the implementation lacks it');
  }
  const polled = await pollBatches(access, { topic, partition, from: pollFrom, isolation });
  if (polled === undefined) {
    throw new Error(`the poll of ${topic}/${partition} from ${pollFrom} brought no records`);
  }
  if (polled.to < offset + len) {
    throw new Error(`the poll brought [${polled.from}, ${polled.to}), short of the range`);
  }
  const read = await access.readRecords(polled, {
    topic,
    partition,
    offset,
    endOffset: offset + len,
    isolation,
  });
  return read.records;
}
