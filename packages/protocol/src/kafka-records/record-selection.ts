import type { AbortedTransaction, Isolation, KafkaRecord } from '../kafka/kafka-access.js';
import type { DecodedBatch } from './record-batch.js';

export interface Selection {
  records: KafkaRecord[];
  nextOffset: number;
  /** What the batches read cost: a fetch's `FetchResult.batches`. */
  batches: { count: number; bytes: number; offsets: number };
}

/** A control record's key: version (int16) then type (int16), 0 = abort, 1 = commit. */
const CONTROL_TYPE_ABORT = 0;

/**
 * Turns the whole batches of one Fetch response into what a caller may see:
 * - records below `from` are dropped: a fetch returns the whole batch holding `from`,
 *   which may start lower (kafka-clj delivered those, shortfall 3);
 * - control records (transaction markers) are never returned;
 * - under `read_committed`, batches of aborted transactions are skipped, as the Java
 *   consumer does: a producer's batch is aborted when the response lists an aborted
 *   transaction of that producer starting at or before the batch, until the producer's
 *   ABORT marker closes it;
 * - tombstones (null values) and empty values are kept (kafka-clj skipped nulls,
 *   shortfall 9).
 * `nextOffset` is one past the last whole batch, so offsets with nothing to deliver
 * (compacted away, aborted, markers) are stepped over rather than fetched again;
 * `batches` says how many batches, bytes and offsets that took.
 */
export function selectRecords(
  batches: DecodedBatch[],
  abortedTransactions: AbortedTransaction[],
  from: number,
  isolation: Isolation,
): Selection {
  const pending = [...abortedTransactions].sort((a, b) => compare(a.firstOffset, b.firstOffset));
  const abortedProducers = new Set<string>();
  const records: KafkaRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const lastOffset = batch.lastOffset;
    if (lastOffset + 1 > next) next = lastOffset + 1;
    if (isolation === 'read_committed') {
      while (
        pending.length > 0 &&
        BigInt((pending[0] as AbortedTransaction).firstOffset) <= BigInt(lastOffset)
      ) {
        abortedProducers.add((pending.shift() as AbortedTransaction).producerId);
      }
    }
    if (batch.isControlBatch) {
      if (isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      continue;
    }
    if (batch.inTransaction && abortedProducers.has(batch.producerId)) continue;
    for (const record of batch.records) {
      if (record.offset >= from) records.push(record);
    }
  }
  const first = batches[0];
  return {
    records,
    nextOffset: next,
    batches: {
      count: batches.length,
      bytes: batches.reduce((sum, batch) => sum + batch.bytes, 0),
      offsets: first === undefined ? 0 : next - first.firstOffset,
    },
  };
}

function isAbortMarker(batch: DecodedBatch): boolean {
  const key = batch.records[0]?.key;
  return (
    key !== null &&
    key !== undefined &&
    key.length >= 4 &&
    key.readInt16BE(2) === CONTROL_TYPE_ABORT
  );
}

function compare(a: string, b: string): number {
  const diff = BigInt(a) - BigInt(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
