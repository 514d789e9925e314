import type { Isolation, KafkaRecord } from '@kf/protocol';
import type { DecodedBatch } from './record-batches.js';

/** A transaction Kafka listed as aborted beside a Fetch answer's batches. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface Selection {
  records: KafkaRecord[];
  nextOffset: number;
}

/** A control record's key: version (int16) then type (int16), 0 = abort, 1 = commit. */
const CONTROL_TYPE_ABORT = 0;

/**
 * Turns the whole batches of one Fetch answer into what a caller may see, by the rules
 * of @kf/consumer's kafkajs port:
 * - records below `from` are dropped (the broker returns the whole batch holding `from`);
 * - control records (transaction markers) are never returned;
 * - under `read_committed`, batches of aborted transactions are skipped, as the Java
 *   consumer does: a producer's batch is aborted when the answer lists an aborted
 *   transaction of that producer starting at or before the batch, until the producer's
 *   ABORT marker closes it;
 * - tombstones (null values) and empty values are kept.
 * `nextOffset` is one past the last whole batch, so offsets with nothing to deliver
 * (compacted away, aborted, markers) are stepped over rather than fetched again.
 */
export function selectRecords(
  batches: DecodedBatch[],
  abortedTransactions: AbortedTransaction[],
  from: number,
  isolation: Isolation,
): Selection {
  const pending = [...abortedTransactions].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  const records: KafkaRecord[] = [];
  let next = from;
  for (const batch of batches) {
    if (batch.lastOffset + 1 > next) next = batch.lastOffset + 1;
    if (isolation === 'read_committed') {
      const last = BigInt(batch.lastOffset);
      while (pending.length > 0 && (pending[0] as AbortedTransaction).firstOffset <= last) {
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
  return { records, nextOffset: next };
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
