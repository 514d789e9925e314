import { KfError } from '../../errors/kf-error.js';
import { KafkaErrorCode } from './kafka-error-code.js';

/**
 * A Kafka request failed for a reason the port has no narrower class for (a broker
 * error code such as CORRUPT_MESSAGE, a codec failing, a protocol mismatch). `cause`
 * holds what the Kafka client or the broker said; `kafkaErrorCode` the broker's numeric code
 * when there was one.
 */
export class KafkaRequestError extends KfError {
  readonly name = 'KafkaRequestError';
  readonly code = KafkaErrorCode.Request;
  constructor(
    /** What was being done, for example `fetch orders/3 at 120`. */
    readonly operation: string,
    readonly kafkaErrorCode: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Kafka ${operation} failed: ${detail}`, options);
  }
}
