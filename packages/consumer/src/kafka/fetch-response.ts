import {
  ByteReader,
  batchBounds,
  type ChunkedBytes,
  type DecodedBatch,
  type Decompress,
  decodeBatches,
  type OffsetRange,
  readWholeBatches,
} from '@kf/protocol/kafka-records';

/** One partition of a Fetch response, its batches' boundaries kept. */
export interface RawPartitionFetch {
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  logStartOffset: string;
  abortedTransactions: Array<{ producerId: string; firstOffset: string }>;
  /** Whole batches only: a batch cut short by the byte limit is left for the next fetch. */
  batches: DecodedBatch[];
  /** The whole batches undecoded, back to back, when the request kept them so. */
  data?: Buffer;
  /** With `data` holding a batch: the offset after its last batch's last record. */
  dataEnd?: number;
}

export interface FetchV11Response {
  errorCode: number;
  responses: Array<{
    topicName: string;
    partitions: Array<RawPartitionFetch & { partition: number }>;
  }>;
}

/**
 * Decodes a Fetch v11 response body (after the correlation id), in one buffer or in the
 * socket reads it arrived in. `range` picks the records to build; `raw` keeps each
 * partition's whole batches undecoded in `data` instead.
 */
export async function decodeFetchV11(
  body: Buffer | ChunkedBytes,
  range: OffsetRange | 'raw',
  decompress: Decompress,
): Promise<FetchV11Response> {
  const reader = new ByteReader(body);
  reader.int32(); // throttle_time_ms: one request at a time, nothing to throttle
  const errorCode = reader.int16();
  reader.int32(); // session_id: sessionless fetches (session id 0, epoch -1)
  const responses: FetchV11Response['responses'] = [];
  const topicCount = reader.int32();
  for (let t = 0; t < topicCount; t++) {
    const topicName = reader.string();
    const partitions: FetchV11Response['responses'][number]['partitions'] = [];
    const partitionCount = reader.int32();
    for (let p = 0; p < partitionCount; p++) {
      const partition = reader.int32();
      const partitionError = reader.int16();
      const highWatermark = reader.int64().toString();
      const lastStableOffset = reader.int64().toString();
      const logStartOffset = reader.int64().toString();
      const abortedTransactions = reader.array((r) => ({
        producerId: r.int64().toString(),
        firstOffset: r.int64().toString(),
      }));
      reader.int32(); // preferred_read_replica: kf reads from the leader
      const recordSetSize = reader.int32();
      const batches = recordSetSize <= 0 ? [] : readWholeBatches(reader, recordSetSize);
      partitions.push({
        partition,
        errorCode: partitionError,
        highWatermark,
        lastStableOffset,
        logStartOffset,
        abortedTransactions,
        ...(range === 'raw'
          ? { batches: [], ...joined(batches) }
          : { batches: await decodeBatches(batches, range, decompress) }),
      });
    }
    responses.push({ topicName, partitions });
  }
  return { errorCode, responses };
}

/**
 * Whole batches back to back, copied: a view would keep the socket reads alive for as
 * long as the organiser keeps the batches.
 */
function joined(batches: ChunkedBytes[]): { data: Buffer; dataEnd?: number } {
  const data = Buffer.concat(batches.flatMap((batch) => batch.chunks));
  const last = batchBounds(data).at(-1);
  return last === undefined ? { data } : { data, dataEnd: last.lastOffset + 1 };
}
