import type { AbortedTransaction } from '@kf/protocol';
import { ChunkedBytes } from '@kf/protocol/kafka-records';
import type { Reader } from '@platformatic/kafka';

/** One partition of a Fetch v11 answer, its record batches kept undecoded. */
export interface RawPartitionFetch {
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: AbortedTransaction[];
  /**
   * The record set as the broker sent it, as views on the socket reads it arrived in;
   * null when it held none.
   */
  records: ChunkedBytes | null;
}

export interface FetchV11Response {
  errorCode: number;
  responses: Array<{ topic: string; partitions: RawPartitionFetch[] }>;
}

/**
 * Reads a Fetch v11 answer without decoding its records. @platformatic/kafka's own
 * parser decodes every record of every batch and throws on any partition's error code;
 * this one leaves the record set as bytes, so batches outside the requested range are
 * never opened (@kf/protocol/kafka-records), and leaves error codes to the port's mapping.
 */
export function parseFetchV11(
  _correlationId: number,
  _apiKey: number,
  _apiVersion: number,
  reader: Reader,
): FetchV11Response {
  reader.readInt32(); // throttle_time_ms: one request at a time, nothing to throttle
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id: sessionless fetches
  const responses = reader.readArray(
    (topicReader) => ({
      topic: topicReader.readString(false),
      partitions: topicReader.readArray(
        (r): RawPartitionFetch => {
          const partition = r.readInt32();
          const partitionError = r.readInt16();
          const highWatermark = r.readInt64();
          const lastStableOffset = r.readInt64();
          const logStartOffset = r.readInt64();
          const abortedTransactions =
            r.readNullableArray(
              // Strings, as kf's record selection compares them (exact beyond 2^53).
              (a) => ({
                producerId: String(a.readInt64()),
                firstOffset: String(a.readInt64()),
              }),
              false,
              false,
            ) ?? [];
          r.readInt32(); // preferred_read_replica: the port reads from the leader
          return {
            partition,
            errorCode: partitionError,
            highWatermark,
            lastStableOffset,
            logStartOffset,
            abortedTransactions,
            records: recordSet(r),
          };
        },
        false,
        false,
      ),
    }),
    false,
    false,
  );
  return { errorCode, responses };
}

/**
 * A partition's record set as views on the socket reads it arrived in, nothing copied:
 * joining an answer of about a megabyte from its reads into fresh memory cost more than
 * decoding it (the same as kf's kafkajs port, which reads in place too). The reads are
 * never written over once received: the connection only lets go of them.
 */
function recordSet(r: Reader): ChunkedBytes | null {
  const size = r.readInt32();
  if (size <= 0) return null;
  const view = r.buffer.subarray(r.position, r.position + size);
  r.skip(size);
  return new ChunkedBytes(view.buffers);
}
