import {
  type AbortedTransaction,
  type FetchResult,
  type Isolation,
  KafkaRequestError,
} from '@kf/protocol';
import {
  ByteReader,
  type ChunkedBytes,
  decodeBatches,
  decodeRecordBatches,
  readWholeBatches,
  selectRecords,
} from '@kf/protocol/kafka-records';
import { decompress } from './decompress.js';

/** What a fetch answers from one partition's record set; the log's ends are the caller's. */
export type ReadRecords = Omit<
  FetchResult,
  'highWatermark' | 'lastStableOffset' | 'logStartOffset'
>;

/**
 * The records of `[offset, endOffset)` in a partition's record set, as a fetch answers
 * them (kf's selection: control records, aborted transactions, the range), with the
 * batches read. Only batches inside the range are decompressed and decoded. Record bytes
 * that cannot be read are a `KafkaRequestError` of `operation`.
 */
export async function readRecordSet(
  data: Buffer | ChunkedBytes | null,
  abortedTransactions: AbortedTransaction[],
  read: { offset: number; endOffset?: number; isolation: Isolation },
  operation: string,
  safe: (error: unknown) => Error,
): Promise<ReadRecords> {
  let batches: Awaited<ReturnType<typeof decodeRecordBatches>>;
  try {
    const range = { from: read.offset, to: read.endOffset ?? Number.POSITIVE_INFINITY };
    batches =
      data === null
        ? []
        : Buffer.isBuffer(data)
          ? await decodeRecordBatches(data, range, decompress)
          : await decodeBatches(
              readWholeBatches(new ByteReader(data), data.length),
              range,
              decompress,
            );
  } catch (error) {
    const cause = safe(error);
    throw new KafkaRequestError(operation, undefined, `records not readable: ${cause.message}`, {
      cause,
    });
  }
  return selectRecords(batches, abortedTransactions, read.offset, read.isolation);
}
