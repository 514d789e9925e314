/**
 * kf's reader of Kafka record batches (magic 2), for `KafkaAccess` implementations: the
 * batches of a Fetch answer decoded with only the records of a range built, and the
 * records a caller may see selected from them (no control records, nothing of an aborted
 * transaction under `read_committed`, `nextOffset` past every whole batch). Both of kf's
 * Kafka clients read with it; the codecs are the caller's (`Decompress`).
 *
 * @module @kf/protocol/kafka-records
 */
export { ByteReader, ChunkedBytes } from './byte-chunks.js';
export {
  type BatchBounds,
  batchBounds,
  type DecodedBatch,
  type Decompress,
  decodeBatches,
  decodeRecordBatches,
  type OffsetRange,
  readWholeBatches,
} from './record-batch.js';
export { type Selection, selectRecords } from './record-selection.js';
