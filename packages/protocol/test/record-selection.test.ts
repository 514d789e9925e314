import { describe, expect, test } from 'vitest';
import type { KafkaRecord } from '../src/kafka/kafka-access.js';
import { type DecodedBatch, selectRecords } from '../src/kafka-records/index.js';

const record = (offset: number, value: string | null = `v${offset}`): KafkaRecord => ({
  offset,
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: [],
  timestamp: 1_700_000_000_000,
});

const batch = (
  first: number,
  last: number,
  offsets: number[],
  extra: Partial<DecodedBatch> = {},
): DecodedBatch => ({
  firstOffset: first,
  lastOffset: last,
  producerId: '-1',
  inTransaction: false,
  isControlBatch: false,
  bytes: 100,
  records: offsets.map((o) => record(o)),
  ...extra,
});

/** A transaction marker: control key version 0, type 0 (abort) or 1 (commit). */
const marker = (offset: number, producerId: string, type: 0 | 1): DecodedBatch => ({
  ...batch(offset, offset, []),
  producerId,
  inTransaction: true,
  isControlBatch: true,
  records: [{ ...record(offset, null), key: Buffer.from([0, 0, 0, type]) }],
});

describe('selectRecords (pure logic; the broker contract is in kafka-port.test.ts)', () => {
  test('a batch emptied by compaction still moves nextOffset past its end', () => {
    // The broker keeps an empty batch for producer state; its records are all gone.
    const result = selectRecords([batch(10, 19, [])], [], 12, 'read_uncommitted');
    expect(result.records).toEqual([]);
    expect(result.nextOffset).toBe(20);
    // What it cost: one batch of 100 bytes, spanning offsets 10 to 19.
    expect(result.batches).toEqual({ count: 1, bytes: 100, offsets: 10 });
  });

  test('with no batch at all nextOffset stays at the requested offset', () => {
    expect(selectRecords([], [], 7, 'read_committed')).toEqual({
      records: [],
      nextOffset: 7,
      batches: { count: 0, bytes: 0, offsets: 0 },
    });
  });

  test('an aborted transaction is skipped until its abort marker; a later one of the same producer is kept', () => {
    const tx = { inTransaction: true, producerId: '42' };
    const batches: DecodedBatch[] = [
      batch(0, 1, [0, 1], tx),
      marker(2, '42', 0),
      batch(3, 4, [3, 4], tx),
      marker(5, '42', 1),
    ];
    const aborted = [{ producerId: '42', firstOffset: '0' }];
    const committed = selectRecords(batches, aborted, 0, 'read_committed');
    expect(committed.records.map((r) => r.offset)).toEqual([3, 4]);
    expect(committed.nextOffset).toBe(6);
    const uncommitted = selectRecords(batches, aborted, 0, 'read_uncommitted');
    expect(uncommitted.records.map((r) => r.offset)).toEqual([0, 1, 3, 4]);
  });
});
