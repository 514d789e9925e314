import { KfError } from '../../errors/kf-error.js';
import { KafkaErrorCode } from './kafka-error-code.js';

/**
 * Kafka's OFFSET_NOT_AVAILABLE (78): a partition's new leader cannot answer ListOffsets
 * until its high watermark has caught up with what the previous leader acknowledged
 * (KIP-207); answering earlier could report a log end below acknowledged records.
 * Transient: ask again shortly. The organiser skips the topic for one tick.
 */
export class OffsetNotAvailableError extends KfError {
  readonly name = 'OffsetNotAvailableError';
  readonly code = KafkaErrorCode.OffsetNotAvailable;
  /** The broker's numeric code, as `KafkaRequestError` carries it. */
  readonly kafkaErrorCode = 78;
  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The broker that was asked, if one was known. */
    readonly nodeId: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `offsets of ${topic}/${partition} are not available yet (OFFSET_NOT_AVAILABLE${nodeId === undefined ? '' : `, broker ${nodeId}`}): its new leader is catching up; ask again`,
      options,
    );
  }
}
