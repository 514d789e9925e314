import { KfError } from '../../errors/kf-error.js';
import { KafkaErrorCode } from './kafka-error-code.js';

/**
 * A fetch asked for an offset the partition does not hold: below its earliest (retention
 * or compaction deleted it) or above its latest. Carries the partition's range at the
 * time, so the caller can decide (skip to earliest, or give the unit up).
 */
export class OffsetOutOfRangeError extends KfError {
  readonly name = 'OffsetOutOfRangeError';
  readonly code = KafkaErrorCode.OffsetOutOfRange;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    /** The partition's first offset when the error was seen; `undefined` if it could not be read. */
    readonly earliest: number | undefined,
    /** The partition's high watermark when the error was seen; `undefined` if it could not be read. */
    readonly latest: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `offset ${offset} is out of range for ${topic}/${partition}: the partition holds [${earliest ?? '?'}, ${latest ?? '?'})`,
      options,
    );
  }
}
