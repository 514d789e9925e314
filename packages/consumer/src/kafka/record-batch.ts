import type { KafkaRecord, RecordHeader } from './kafka-access.js';

/** A record batch (magic 2) as kf reads it: header fields, and the records it asked for. */
export interface DecodedBatch {
  firstOffset: number;
  /** Offset of the batch's last record as written, which compaction does not change. */
  lastOffset: number;
  producerId: string;
  inTransaction: boolean;
  isControlBatch: boolean;
  /** The batch's size on the wire, header included. */
  bytes: number;
  /** Records inside the requested range; every record of a control batch. */
  records: KafkaRecord[];
}

/** Offsets wanted: `[from, to)`. Records outside are stepped over, not decoded. */
export interface OffsetRange {
  from: number;
  to: number;
}

/** Decompresses a batch's records by the codec its attributes name. */
export type Decompress = (attributes: number, compressed: Buffer) => Promise<Buffer>;

// Byte positions inside a batch, from its first byte (the base offset).
const LENGTH_AT = 8;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const FIRST_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const RECORDS_AT = 61;
/** Base offset and length come before what the length counts. */
const LOG_OVERHEAD = 12;

const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/**
 * Decodes the record batches of one partition's fetch response. Only records inside
 * `range` are built into objects: a unit of 200 offsets inside a batch of 1000 records
 * costs 200 decodes, not 1000 (kafkajs's decoder builds every record, with 64-bit
 * strings for each offset and timestamp). A batch cut short by the byte limit ends the
 * list: it is fetched whole next time.
 */
export async function decodeRecordBatches(
  buffer: Buffer,
  range: OffsetRange,
  decompress: Decompress,
): Promise<DecodedBatch[]> {
  const batches: DecodedBatch[] = [];
  for (const { start, end } of batchBounds(buffer)) {
    batches.push(await decodeBatch(buffer.subarray(start, end), range, decompress));
  }
  return batches;
}

/** Where one whole record batch lies in a record set, and the offsets it spans. */
export interface BatchBounds {
  start: number;
  end: number;
  firstOffset: number;
  lastOffset: number;
}

/**
 * The whole batches of a record set, from their headers alone (nothing decoded or
 * decompressed); a batch cut short at the end is left out.
 */
export function batchBounds(buffer: Buffer): BatchBounds[] {
  const bounds: BatchBounds[] = [];
  let at = 0;
  while (at + LOG_OVERHEAD <= buffer.length) {
    const end = at + LOG_OVERHEAD + buffer.readInt32BE(at + LENGTH_AT);
    if (end > buffer.length) break;
    if (end < at + RECORDS_AT) {
      throw new RangeError(`a record batch of ${end - at} bytes is shorter than its header`);
    }
    const firstOffset = safeNumber(buffer.readBigInt64BE(at), 'batch base offset');
    const lastOffset = firstOffset + buffer.readInt32BE(at + LAST_OFFSET_DELTA_AT);
    bounds.push({ start: at, end, firstOffset, lastOffset });
    at = end;
  }
  return bounds;
}

async function decodeBatch(
  batch: Buffer,
  range: OffsetRange,
  decompress: Decompress,
): Promise<DecodedBatch> {
  const firstOffset = safeNumber(batch.readBigInt64BE(0), 'batch base offset');
  const attributes = batch.readInt16BE(ATTRIBUTES_AT);
  const lastOffset = firstOffset + batch.readInt32BE(LAST_OFFSET_DELTA_AT);
  const isControlBatch = (attributes & CONTROL_FLAG) !== 0;
  const header = {
    firstOffset,
    lastOffset,
    producerId: batch.readBigInt64BE(PRODUCER_ID_AT).toString(),
    inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControlBatch,
    bytes: batch.length,
  };
  // A batch wholly outside the range is not opened (nor decompressed).
  if (!isControlBatch && (lastOffset < range.from || firstOffset >= range.to)) {
    return { ...header, records: [] };
  }
  const count = batch.readInt32BE(RECORDS_AT - 4);
  const body = batch.subarray(RECORDS_AT);
  const records = (attributes & COMPRESSION_MASK) === 0 ? body : await decompress(attributes, body);
  const timestamps = {
    first: safeNumber(batch.readBigInt64BE(FIRST_TIMESTAMP_AT), 'batch first timestamp'),
    max: safeNumber(batch.readBigInt64BE(MAX_TIMESTAMP_AT), 'batch max timestamp'),
    logAppend: (attributes & LOG_APPEND_TIME_FLAG) !== 0,
  };
  const wanted = isControlBatch ? { from: firstOffset, to: Number.POSITIVE_INFINITY } : range;
  return { ...header, records: decodeRecords(records, count, firstOffset, timestamps, wanted) };
}

function decodeRecords(
  buffer: Buffer,
  count: number,
  firstOffset: number,
  timestamps: { first: number; max: number; logAppend: boolean },
  range: OffsetRange,
): KafkaRecord[] {
  const reader = new VarReader(buffer);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count && reader.at < buffer.length; i++) {
    const length = reader.varint();
    const next = reader.at + length;
    reader.at += 1; // record attributes: unused by the format
    const timestampDelta = reader.varlong();
    const offset = firstOffset + reader.varint();
    if (offset >= range.from && offset < range.to) {
      const key = reader.bytes();
      const value = reader.bytes();
      const headers: RecordHeader[] = [];
      for (let h = reader.varint(); h > 0; h--) {
        const headerKey = reader.bytes();
        headers.push({ key: headerKey ? headerKey.toString('utf8') : '', value: reader.bytes() });
      }
      const timestamp = timestamps.logAppend ? timestamps.max : timestamps.first + timestampDelta;
      records.push({ offset, key, value, headers, timestamp });
    }
    reader.at = next;
  }
  return records;
}

/** Kafka's zig-zag varints over a buffer, with the read position exposed. */
class VarReader {
  at = 0;
  constructor(private readonly buffer: Buffer) {}

  varint(): number {
    const raw = this.unsigned();
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** A varlong; exact while it fits 2^53, which timestamps and deltas do. */
  varlong(): number {
    return this.varint();
  }

  /** Length-prefixed bytes: `null` for length -1. A view on the response, not a copy. */
  bytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const start = this.at;
    this.at += length;
    return this.buffer.subarray(start, this.at);
  }

  private unsigned(): number {
    let result = 0;
    let factor = 1;
    for (;;) {
      const byte = this.buffer[this.at++];
      if (byte === undefined) throw new RangeError('record ends inside a varint');
      result += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) return result;
      factor *= 128;
    }
  }
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} is beyond 2^53`);
  }
  return Number(value);
}
