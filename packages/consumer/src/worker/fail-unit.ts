import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { encodeUnit, type WorkUnit } from '../work-unit/work-unit.js';

/** Why a unit went to the error list: stable codes for the API that lists them. */
export type ErrorReason =
  | 'OFFSET_OUT_OF_RANGE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'MALFORMED_UNIT'
  | 'ATTEMPTS_EXHAUSTED';

/** One entry of the error list: what failed, why, and when. */
export interface ErrorEntry {
  /**
   * The part of the unit given up on; the raw string for a unit this node could not
   * read (a `MALFORMED_UNIT`, or a unit in a format newer than it reads).
   */
  unit: WorkUnit | string;
  reason: ErrorReason;
  detail: string;
  at: number;
}

/**
 * An entry as stored: the unit in its own encoding (fields a newer kf added, kept),
 * under `unit`; a malformed unit as its raw string.
 */
export function encodeErrorEntry(entry: ErrorEntry): string {
  const unit = typeof entry.unit === 'string' ? JSON.stringify(entry.unit) : encodeUnit(entry.unit);
  const rest = JSON.stringify({ reason: entry.reason, detail: entry.detail, at: entry.at });
  return `{"unit":${unit},${rest.slice(1)}`;
}

export interface Failure {
  nodeId: string;
  claimed: string;
  /** Undefined for a malformed unit: it has no partition, so no pending entry either. */
  unit: WorkUnit | undefined;
  /** Parts to run again, attempts already set. */
  requeue: WorkUnit[];
  /** The part given up on, and why. */
  giveUp?: Omit<ErrorEntry, 'at'>;
  now: number;
}

export type FailureResult = 'requeued' | 'error-listed' | 'recovered';

/** Hands a failed unit back in one script: queued again, error-listed, or both in part. */
export async function failUnit(
  redis: IRedis,
  keys: GroupKeys,
  failure: Failure,
): Promise<FailureResult> {
  const { unit, giveUp } = failure;
  const entry: ErrorEntry | undefined = giveUp && { ...giveUp, at: failure.now };
  const requeueArgs = failure.requeue.flatMap((part) => [encodeUnit(part), part.id, part.offset]);
  const pending = unit ? keys.pending(unit.topic, unit.partition) : keys.work;
  const reply = await redis.evalScript(
    scripts.failUnit,
    [keys.working(failure.nodeId), keys.work, keys.error, pending],
    [failure.claimed, unit?.id ?? '', entry ? encodeErrorEntry(entry) : '', ...requeueArgs],
  );
  const { status } = statusReply(scripts.failUnit, reply, [
    ScriptStatus.Done,
    ScriptStatus.ErrorListed,
    ScriptStatus.Stale,
  ]);
  if (status === ScriptStatus.Done) return 'requeued';
  return status === ScriptStatus.ErrorListed ? 'error-listed' : 'recovered';
}
