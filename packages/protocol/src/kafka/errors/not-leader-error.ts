import { KfError } from '../../errors/kf-error.js';
import { KafkaErrorCode } from './kafka-error-code.js';

/**
 * Why a partition could not be read from the broker the metadata named:
 * - `not-leader`: that broker no longer leads the partition (leadership moved);
 * - `leader-unavailable`: the partition has no leader right now (an election is running);
 * - `broker-unreachable`: the leader's broker could not be reached (down, refusing
 *   connections, or the connection broke);
 * - `no-reply`: the request got no answer in time (the Kafka client's request timeout,
 *   such as kafkajs's `requestTimeoutMs`, or kf's `handlerTimeoutMs` on a fetch). A
 *   broker that is down or hung and a fetch that is slow for its size on a slow link
 *   look the same from here: if the broker is healthy, lower `fetch.maxBytes` or raise
 *   the limit.
 */
export type NotLeaderReason =
  | 'not-leader'
  | 'leader-unavailable'
  | 'broker-unreachable'
  | 'no-reply';

/**
 * The partition's leader could not serve the request. Transient: refresh the metadata
 * (`KafkaAccess.refreshMetadata`) and retry, with a backoff.
 */
export class NotLeaderError extends KfError {
  readonly name = 'NotLeaderError';
  readonly code = KafkaErrorCode.NotLeader;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly reason: NotLeaderReason,
    /** The broker that was asked, if one was known. */
    readonly nodeId: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${topic}/${partition} could not be read (${reason}${nodeId === undefined ? '' : `, broker ${nodeId}`}): refresh the metadata and retry`,
      options,
    );
  }
}
