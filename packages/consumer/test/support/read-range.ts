import { setTimeout as delay } from 'node:timers/promises';
import type { Isolation, KafkaAccess, KafkaRecord } from '../../src/index.js';
import { unitRecords } from '../../src/organiser/unit-records.js';
import { decodeUnit, encodeUnit, unitId } from '../../src/work-unit/work-unit.js';
import { readCarried } from '../../src/worker/carried-records.js';

export interface RangeRead {
  records: KafkaRecord[];
  /** Fetches it took, so a test can prove the byte limit split the range. */
  fetches: number;
  /** Where the caller would continue: at or past `offset + len`. */
  nextOffset: number;
}

/**
 * What a worker does with a unit `[offset, offset + len)`: fetch from `offset`, keep
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

export const text = (value: Buffer | null): string | null =>
  value === null ? null : value.toString('utf8');

/**
 * What a unit `[offset, offset + len)` cut by the leader carries and its worker reads:
 * a long poll from `pollFrom` (default: the unit's start) brings the partition's
 * batches back, the organiser's cut keeps the unit's, the unit goes through its JSON
 * encoding, and the worker reads it as it would instead of a fetch. Throws when the poll
 * brought nothing the unit could carry.
 */
export async function readCarriedRange(
  access: KafkaAccess,
  unit: { topic: string; partition: number; offset: number; len: number },
  options: { isolation?: Isolation; pollFrom?: number; maxBytes?: number } = {},
): Promise<{ records: KafkaRecord[]; nextOffset: number }> {
  const { topic, partition, offset, len } = unit;
  const isolation = options.isolation ?? 'read_uncommitted';
  const maxBytes = options.maxBytes ?? 1_048_576;
  const metadata = await access.metadata([topic]);
  const leader = metadata.topics[0]?.partitions.find((p) => p.partition === partition)?.leader;
  if (leader === undefined || access.awaitLogEnds === undefined) {
    throw new Error(`no leader of ${topic}/${partition} to poll, or a port that cannot poll`);
  }
  const [end] = await access.awaitLogEnds(
    leader,
    [{ topic, partition, from: options.pollFrom ?? offset }],
    { maxWaitMs: 0, isolation, recordsMaxBytes: maxBytes },
  );
  const records =
    end?.error === undefined
      ? unitRecords(end?.records, offset, offset + len, maxBytes, isolation)
      : undefined;
  if (records === undefined)
    throw new Error(`the poll brought no records for [${offset}, +${len})`);
  const decoded = decodeUnit(
    encodeUnit({
      id: unitId(topic, partition, offset),
      topic,
      partition,
      offset,
      len,
      attempts: 0,
      ts: 0,
      records,
    }),
  );
  if (!decoded.ok) throw new Error(decoded.reason);
  const result = await readCarried(
    decoded.unit,
    { topic, partition, offset, endOffset: offset + len, maxBytes, maxWaitMs: 0, isolation },
    access,
    (error) => {
      throw error;
    },
  );
  if (result === undefined) throw new Error('the carried records were not read');
  return {
    records: result.records.filter((r) => r.offset < offset + len),
    nextOffset: result.nextOffset,
  };
}
