import type { Isolation, KafkaAccess, KafkaRecord } from '../../src/index.js';
import { unitRecords } from '../../src/organiser/unit-records.js';
import { decodeUnit, encodeUnit, unitId } from '../../src/work-unit/work-unit.js';
import { readCarried } from '../../src/worker/carried-records.js';

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
