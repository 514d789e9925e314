import { KfError } from '@kf/protocol';

/** The stable codes of the group admin's own errors. */
export const GroupAdminErrorCode = {
  /** Redis (or Kafka, for `lag` and `resetOffsets`) could not be reached. */
  Unreachable: 'KF_ADMIN_UNREACHABLE',
  /** The request names something the group or the log does not have, or asks the impossible. */
  InvalidRequest: 'KF_ADMIN_INVALID_REQUEST',
  /**
   * An offsets reset changed nothing: a saved offset it was planned from moved before it
   * ran (a leader scheduled, another reset ran, or its own command was sent again after
   * a lost connection and found itself applied). The message names each partition.
   */
  OffsetsMoved: 'KF_ADMIN_OFFSETS_MOVED',
  /** Redis did not answer an offsets reset: it may or may not have been applied. */
  OutcomeUnknown: 'KF_ADMIN_OUTCOME_UNKNOWN',
  /** The caller's signal stopped an offsets reset; the message says what was done. */
  Interrupted: 'KF_ADMIN_INTERRUPTED',
} as const;

export type GroupAdminErrorCode = (typeof GroupAdminErrorCode)[keyof typeof GroupAdminErrorCode];

/**
 * A group admin call could not be done. The message is one line a person can act on;
 * `cause` holds the adapter's or the Kafka port's typed error where there is one.
 */
export class GroupAdminError extends KfError {
  readonly name = 'GroupAdminError';
  constructor(
    readonly code: GroupAdminErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
