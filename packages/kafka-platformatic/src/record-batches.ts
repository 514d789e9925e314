import type { KafkaRecord } from '@kf/protocol';
import { Reader, readRecordsBatch } from '@platformatic/kafka';
import { toOffset } from './offsets.js';

/** A record batch (magic 2) as the port reads it: header fields, and the records it asked for. */
export interface DecodedBatch {
  firstOffset: number;
  /** Offset of the batch's last record as written, which compaction does not change. */
  lastOffset: number;
  producerId: bigint;
  inTransaction: boolean;
  isControlBatch: boolean;
  /** The batch's size on the wire, header included. */
  bytes: number;
  /** Records inside the requested range; every record of a control batch. */
  records: KafkaRecord[];
}

/** Offsets wanted: `[from, to)`. */
export interface OffsetRange {
  from: number;
  to: number;
}

// Byte positions inside a batch, from its first byte (the base offset).
const LENGTH_AT = 8;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const PRODUCER_ID_AT = 43;
const RECORDS_AT = 61;
/** Base offset and length come before what the length counts. */
const LOG_OVERHEAD = 12;

const RECORD_BATCH_MAGIC = 2;
const LOG_APPEND_TIME_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/**
 * The whole record batches of one partition's answer. Each batch's header is read here,
 * so a batch wholly outside `range` is neither decompressed nor decoded; a batch that
 * overlaps it is decoded whole by @platformatic/kafka (its decoder has no range), and
 * only the records inside the range are kept. A batch cut short by the byte limit ends
 * the list: it is fetched whole next time.
 */
export function decodeRecordBatches(data: Buffer, range: OffsetRange): DecodedBatch[] {
  const batches: DecodedBatch[] = [];
  let at = 0;
  while (at + LOG_OVERHEAD <= data.length) {
    const end = at + LOG_OVERHEAD + data.readInt32BE(at + LENGTH_AT);
    if (end > data.length) break;
    if (end < at + RECORDS_AT) {
      throw new RangeError(`a record batch of ${end - at} bytes is shorter than its header`);
    }
    const magic = data.readInt8(at + MAGIC_AT);
    if (magic !== RECORD_BATCH_MAGIC) {
      // Message formats v0/v1 were removed from Kafka 4.0; the port reads record batches only.
      throw new Error(`unsupported message format (magic ${magic})`);
    }
    batches.push(decodeBatch(data.subarray(at, end), range));
    at = end;
  }
  return batches;
}

function decodeBatch(batch: Buffer, range: OffsetRange): DecodedBatch {
  const firstOffset = toOffset(batch.readBigInt64BE(0), 'batch base offset');
  const attributes = batch.readInt16BE(ATTRIBUTES_AT);
  const lastOffset = firstOffset + batch.readInt32BE(LAST_OFFSET_DELTA_AT);
  const isControlBatch = (attributes & CONTROL_FLAG) !== 0;
  const header = {
    firstOffset,
    lastOffset,
    producerId: batch.readBigInt64BE(PRODUCER_ID_AT),
    inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControlBatch,
    bytes: batch.length,
  };
  if (!isControlBatch && (lastOffset < range.from || firstOffset >= range.to)) {
    return { ...header, records: [] };
  }
  const decoded = readRecordsBatch(Reader.from(batch));
  const logAppendTime = (attributes & LOG_APPEND_TIME_FLAG) !== 0;
  const wanted = isControlBatch ? { from: firstOffset, to: Number.POSITIVE_INFINITY } : range;
  const records: KafkaRecord[] = [];
  for (const record of decoded.records) {
    const offset = firstOffset + record.offsetDelta;
    if (offset < wanted.from || offset >= wanted.to) continue;
    const timestamp = logAppendTime
      ? decoded.maxTimestamp
      : decoded.firstTimestamp + record.timestampDelta;
    records.push({
      offset,
      key: record.key,
      value: record.value,
      headers: record.headers.map(([key, value]) => ({
        key: key === null ? '' : key.toString('utf8'),
        value,
      })),
      timestamp: toOffset(timestamp, 'record timestamp'),
    });
  }
  return { ...header, records };
}
