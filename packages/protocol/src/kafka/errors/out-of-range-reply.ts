import type { Logger } from '../../logger.js';
import type { FetchRequest, PartitionOffsets } from '../kafka-access.js';
import { isKafkaAccessError, KafkaErrorCode } from './kafka-error-code.js';
import { OffsetOutOfRangeError } from './offset-out-of-range-error.js';

/** What `outOfRangeReply` needs from the Kafka client implementation calling it. */
export interface OutOfRangeReplyOptions {
  /** Reads the partition's range from its leader now (read_uncommitted). */
  readRange(topic: string, partition: number): Promise<PartitionOffsets | undefined>;
  /** Where a range that could not be read is reported. */
  logger: Logger;
  /** What a failure is kept as, as the error's cause (a client's redaction); as is by default. */
  cause?: (error: unknown) => unknown;
}

/**
 * The error a fetch answered `OFFSET_OUT_OF_RANGE` throws. The broker's reply carries no
 * range, so the partition's range is read afresh: an `OffsetOutOfRangeError` carrying it.
 * A leader that moved or is gone meanwhile is the fetch's own trouble, returned as such
 * (`NotLeaderError`: retried after a metadata refresh, no attempt spent), and so is a
 * partition that is gone (`UnknownTopicPartitionError`); any other failure is logged and
 * leaves the range unknown (the consumer then retries the unit as a counted attempt).
 */
export async function outOfRangeReply(
  request: Pick<FetchRequest, 'topic' | 'partition' | 'offset'>,
  options: OutOfRangeReplyOptions,
): Promise<Error> {
  const { topic, partition, offset } = request;
  try {
    const range = await options.readRange(topic, partition);
    return new OffsetOutOfRangeError(topic, partition, offset, range?.earliest, range?.latest);
  } catch (error) {
    if (
      isKafkaAccessError(error, KafkaErrorCode.NotLeader) ||
      isKafkaAccessError(error, KafkaErrorCode.UnknownTopicOrPartition)
    ) {
      return error as Error;
    }
    options.logger.warn(
      { err: error, topic, partition, offset },
      'could not read the partition range for an out-of-range fetch',
    );
    return new OffsetOutOfRangeError(topic, partition, offset, undefined, undefined, {
      cause: options.cause ? options.cause(error) : error,
    });
  }
}
