import {
  type AbortedTransaction,
  type FetchResult,
  type Isolation,
  KafkaRequestError,
} from '@kf/protocol';
import { decodeRecordBatches, selectRecords } from '@kf/protocol/kafka-records';
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
  data: Buffer | null,
  abortedTransactions: AbortedTransaction[],
  read: { offset: number; endOffset?: number; isolation: Isolation },
  operation: string,
  safe: (error: unknown) => Error,
): Promise<ReadRecords> {
  let batches: Awaited<ReturnType<typeof decodeRecordBatches>>;
  try {
    batches =
      data === null
        ? []
        : await decodeRecordBatches(
            data,
            { from: read.offset, to: read.endOffset ?? Number.POSITIVE_INFINITY },
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
