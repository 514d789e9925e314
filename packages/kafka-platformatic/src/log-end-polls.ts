import {
  type AwaitLogEndsOptions,
  checkLogEndsRequest,
  KafkaRequestError,
  type LogEnd,
  NotLeaderError,
  type PolledRecords,
  type WatchedPartition,
} from '@kf/protocol';
import {
  type BatchBounds,
  ByteReader,
  batchBounds,
  readWholeBatches,
} from '@kf/protocol/kafka-records';
import { BrokerConnections, type ConnectionSettings } from './broker-connections.js';
import { errorFromCode, errorFromThrown, kafkaErrorType, type Target } from './error-mapping.js';
import { sendFetch } from './fetch-request.js';
import type { FetchV11Response, RawPartitionFetch } from './fetch-response.js';
import type { CachedBroker } from './metadata-cache.js';
import { toOffset } from './offsets.js';

/**
 * A poll of many partitions brings back at most about 1 MiB of records: the rest are
 * fetched by their units, as they were before polls brought any.
 */
const POLL_MAX_BYTES = 1_048_576;

export interface LogEndPollsOptions {
  /** The access's own settings: the polls connect with them, on connections of their own. */
  settings: ConnectionSettings;
  /** The broker's address as the access's metadata knows it. */
  broker(nodeId: number): CachedBroker | undefined;
  closed(): boolean;
  /** What a thrown error carries on as its cause: a copy with secrets masked. */
  safe(error: unknown): Error;
}

/**
 * `awaitLogEnds` on connections of its own: a broker answers a connection's requests in
 * order, so a long poll on the connection the units fetch on would hold their fetches
 * back for its whole wait. `close()` ends the polls under way (refused as closed) and
 * every connection.
 */
export class LogEndPolls {
  private readonly connections: BrokerConnections;

  constructor(private readonly options: LogEndPollsOptions) {
    this.connections = new BrokerConnections({
      ...options.settings,
      clientId: `${options.settings.clientId}-log-ends`,
    });
  }

  async awaitLogEnds(
    leader: number,
    partitions: WatchedPartition[],
    { maxWaitMs, isolation, recordsMaxBytes = 0 }: AwaitLogEndsOptions,
  ): Promise<LogEnd[]> {
    const operation = `await the log ends of broker ${leader}`;
    this.refuseClosed(operation);
    checkLogEndsRequest(operation, partitions, { maxWaitMs, recordsMaxBytes });
    const first = partitions[0] as WatchedPartition;
    const target: Target = {
      topic: first.topic,
      partition: first.partition,
      nodeId: leader,
      operation,
    };
    const broker = this.options.broker(leader);
    if (broker === undefined) {
      // The metadata names a leader it lists no address for: it will, once reloaded.
      throw new NotLeaderError(first.topic, first.partition, 'broker-unreachable', leader);
    }
    // Without records wanted, one byte per partition: the broker still returns one whole
    // batch for progress, and nothing in it is read; only the log ends are.
    const perPartition = Math.max(1, recordsMaxBytes);
    let answer: FetchV11Response;
    try {
      const connection = await this.connections.to(broker);
      answer = await sendFetch(connection, {
        partitions: partitions.map(({ topic, partition, from }) => ({
          topic,
          partition,
          offset: from,
          maxBytes: perPartition,
        })),
        maxWaitMs,
        maxBytes: Math.min(
          perPartition * partitions.length,
          Math.max(perPartition, POLL_MAX_BYTES),
        ),
        isolation,
      });
    } catch (error) {
      // A poll cut short by close() is refused as closed, not as a broker's failure.
      this.refuseClosed(operation);
      throw errorFromThrown(error, target, this.options.safe(error));
    }
    if (answer.errorCode !== 0) throw errorFromCode(answer.errorCode, target);
    return partitions.map(({ topic, partition, from }): LogEnd => {
      const found = answer.responses
        .find((t) => t.topic === topic)
        ?.partitions.find((p) => p.partition === partition);
      if (found === undefined) {
        throw new KafkaRequestError(
          operation,
          undefined,
          `the Fetch answer holds no ${topic}/${partition}`,
        );
      }
      if (found.errorCode !== 0)
        return { topic, partition, error: kafkaErrorType(found.errorCode) };
      const records =
        recordsMaxBytes > 0 ? wholeBatches(found, from, operation, this.options.safe) : undefined;
      return {
        topic,
        partition,
        earliest: toOffset(found.logStartOffset, 'log start offset'),
        latest:
          isolation === 'read_committed'
            ? toOffset(found.lastStableOffset, 'last stable offset')
            : toOffset(found.highWatermark, 'high watermark'),
        ...(records === undefined ? {} : { records }),
      };
    });
  }

  /** Closes every connection of the polls; those under way are refused as closed. */
  close(): Promise<void> {
    return this.connections.close();
  }

  private refuseClosed(operation: string): void {
    if (this.options.closed()) {
      throw new KafkaRequestError(operation, undefined, 'the Kafka access is closed');
    }
  }
}

/**
 * The whole batches of a partition's answer, joined into a buffer of their own (the
 * organiser keeps them; views would keep every socket read of the answer alive); none
 * when the answer held no whole batch.
 */
function wholeBatches(
  found: RawPartitionFetch,
  from: number,
  operation: string,
  safe: (error: unknown) => Error,
): PolledRecords | undefined {
  if (found.records === null) return undefined;
  let data: Buffer;
  let last: BatchBounds | undefined;
  try {
    const batches = readWholeBatches(new ByteReader(found.records), found.records.length);
    data = Buffer.concat(batches.flatMap((batch) => batch.chunks));
    last = batchBounds(data).at(-1);
  } catch (error) {
    const cause = safe(error);
    throw new KafkaRequestError(operation, undefined, `records not readable: ${cause.message}`, {
      cause,
    });
  }
  if (last === undefined) return undefined;
  return {
    from,
    to: last.lastOffset + 1,
    data,
    abortedTransactions: found.abortedTransactions,
  };
}
