import type { KafkaRecord, RecordHeader } from '../kafka/kafka-access.js';
import { ByteReader, type ChunkedBytes } from './byte-chunks.js';

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
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const FIRST_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const RECORDS_AT = 61;
/** Base offset and length come before what the length counts. */
const LOG_OVERHEAD = 12;

const RECORD_BATCH_MAGIC = 2;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME_FLAG = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

/**
 * Decodes the record batches of one partition's fetch response. Only records inside
 * `range` are built into objects: a unit of 200 offsets inside a batch of 1000 records
 * costs 200 decodes, not 1000 (kafkajs's decoder, and @platformatic/kafka's, build every
 * record of a batch). A batch cut short by the byte limit ends the
 * list: it is fetched whole next time.
 */
export async function decodeRecordBatches(
  buffer: Buffer,
  range: OffsetRange,
  decompress: Decompress,
): Promise<DecodedBatch[]> {
  // Async: a record set it cannot read rejects, as a failed decode does, never throws.
  return decodeBatches(
    batchBounds(buffer).map(({ start, end }) => buffer.subarray(start, end)),
    range,
    decompress,
  );
}

/** Decodes whole record batches, each in a buffer of its own (see `decodeRecordBatches`). */
export async function decodeBatches(
  batches: ReadonlyArray<Buffer | ChunkedBytes>,
  range: OffsetRange,
  decompress: Decompress,
): Promise<DecodedBatch[]> {
  const decoded: DecodedBatch[] = [];
  for (const batch of batches) decoded.push(await decodeBatch(batch, range, decompress));
  return decoded;
}

/**
 * The whole batches of a record set of `size` bytes, read from `reader`, each as views
 * on the socket reads it arrived in (nothing copied). A batch cut short by the byte
 * limit at the end is stepped over (it is fetched whole next time).
 */
export function readWholeBatches(reader: ByteReader, size: number): ChunkedBytes[] {
  const batches: ChunkedBytes[] = [];
  let left = size;
  while (left >= LOG_OVERHEAD) {
    const header = reader.peek(Math.min(left, RECORDS_AT));
    if (header.length > MAGIC_AT) refuseOtherFormats(header.readInt8(MAGIC_AT));
    const bytes = LOG_OVERHEAD + header.readInt32BE(LENGTH_AT);
    if (bytes > left) break;
    if (bytes < RECORDS_AT) {
      throw new RangeError(`a record batch of ${bytes} bytes is shorter than its header`);
    }
    batches.push(reader.chunked(bytes));
    left -= bytes;
  }
  reader.skip(left);
  return batches;
}

/**
 * Message formats v0/v1 (magic 0 and 1) were removed from Kafka 4.0, and a 3.x broker
 * serves a topic's old messages unconverted: kf reads record batches (magic 2) only, and
 * says so rather than read offsets from bytes laid out otherwise.
 */
function refuseOtherFormats(magic: number): void {
  if (magic !== RECORD_BATCH_MAGIC) {
    throw new Error(`unsupported message format (magic ${magic})`);
  }
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
    if (at + MAGIC_AT < buffer.length) refuseOtherFormats(buffer.readInt8(at + MAGIC_AT));
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
  batch: Buffer | ChunkedBytes,
  range: OffsetRange,
  decompress: Decompress,
): Promise<DecodedBatch> {
  const reader = new ByteReader(batch);
  const head = reader.bytes(RECORDS_AT);
  const firstOffset = safeNumber(head.readBigInt64BE(0), 'batch base offset');
  const attributes = head.readInt16BE(ATTRIBUTES_AT);
  const lastOffset = firstOffset + head.readInt32BE(LAST_OFFSET_DELTA_AT);
  const isControlBatch = (attributes & CONTROL_FLAG) !== 0;
  const header = {
    firstOffset,
    lastOffset,
    producerId: head.readBigInt64BE(PRODUCER_ID_AT).toString(),
    inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControlBatch,
    bytes: batch.length,
  };
  // A batch wholly outside the range is not opened (nor decompressed).
  if (!isControlBatch && (lastOffset < range.from || firstOffset >= range.to)) {
    return { ...header, records: [] };
  }
  const count = head.readInt32BE(RECORDS_AT - 4);
  const records =
    (attributes & COMPRESSION_MASK) === 0
      ? reader
      : new ByteReader(await decompress(attributes, reader.bytes(reader.remaining)));
  const timestamps = {
    first: safeNumber(head.readBigInt64BE(FIRST_TIMESTAMP_AT), 'batch first timestamp'),
    max: safeNumber(head.readBigInt64BE(MAX_TIMESTAMP_AT), 'batch max timestamp'),
    logAppend: (attributes & LOG_APPEND_TIME_FLAG) !== 0,
  };
  const wanted = isControlBatch ? { from: firstOffset, to: Number.POSITIVE_INFINITY } : range;
  return { ...header, records: decodeRecords(records, count, firstOffset, timestamps, wanted) };
}

/**
 * The records of a batch, read in place: keys, values and header values are views on
 * the response (copied only where one straddles two socket reads).
 */
function decodeRecords(
  reader: ByteReader,
  count: number,
  firstOffset: number,
  timestamps: { first: number; max: number; logAppend: boolean },
  range: OffsetRange,
): KafkaRecord[] {
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count && reader.remaining > 0; i++) {
    const length = reader.varint();
    // What is left once this record is read: records outside the range are skipped to it.
    const leftAfter = reader.remaining - length;
    reader.skip(1); // record attributes: unused by the format
    const timestampDelta = reader.varint();
    const offset = firstOffset + reader.varint();
    if (offset >= range.from && offset < range.to) {
      const key = reader.nullableBytes();
      const value = reader.nullableBytes();
      const headers: RecordHeader[] = [];
      for (let h = reader.varint(); h > 0; h--) {
        const headerKey = reader.nullableBytes();
        headers.push({
          key: headerKey ? headerKey.toString('utf8') : '',
          value: reader.nullableBytes(),
        });
      }
      const timestamp = timestamps.logAppend ? timestamps.max : timestamps.first + timestampDelta;
      records.push({ offset, key, value, headers, timestamp });
    }
    reader.skip(reader.remaining - leftAfter);
  }
  return records;
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} is beyond 2^53`);
  }
  return Number(value);
}
