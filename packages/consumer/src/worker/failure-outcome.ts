import { KafkaErrorCode } from '@kf/protocol';
import { sliceUnit, type WorkUnit } from '../work-unit/work-unit.js';
import type { ErrorEntry } from './fail-unit.js';

/** How far a failed attempt got: what user code finished, and what it held when it failed. */
export interface AttemptProgress {
  /** Every offset below this was finished by user code. */
  processedUpTo: number;
  /** The records user code was handling when it threw or timed out; absent for a fetch. */
  inHand?: { from: number; to: number };
}

export interface FailureDecision {
  requeue: WorkUnit[];
  giveUp?: Omit<ErrorEntry, 'at'>;
  /**
   * True when Kafka could not serve the partition (`NotLeaderError`) before any record
   * reached user code: the rest is requeued without counting an attempt, so its backoff
   * cannot grow with the attempts (see `UnavailabilityBackoff`).
   */
  unavailable?: true;
}

/**
 * What becomes of a failed attempt. Only the part user code did not finish is handed
 * back. Offsets that are gone (below the partition's earliest, when the error knows it)
 * and partitions that do not exist will not come back: that part is error-listed. Otherwise it is retried, until `maxAttempts` attempts in a row
 * failed without getting past its first record; then only the records user code failed
 * on are error-listed, and what follows them runs afresh: one poison message does not
 * take its neighbours with it. An attempt that got further counts once for the rest, so
 * a slow handler that makes progress on every attempt never exhausts them.
 *
 * Kafka being unable to serve the partition (`NotLeaderError`: leadership moving, no
 * leader, the leader's broker unreachable) is not the unit's failure: when no record was
 * in user code's hands, the rest is requeued without counting an attempt, however long
 * the outage lasts. `maxAttempts` surfaces poison — user code failing on a record — and
 * a healthy unit never reaches the error list because Kafka was failing over.
 *
 * Every part handed back gets a fresh id, and is flagged `redelivered` when user code
 * was handed a record of it (the one it threw on or timed out in) or it was flagged
 * already.
 */
export function decideFailure(
  unit: WorkUnit,
  error: unknown,
  progress: AttemptProgress,
  maxAttempts: number,
): FailureDecision {
  const end = unit.offset + unit.len;
  const held = progress.inHand;
  // Parts of what user code did not finish, never of what it did.
  const part = (from: number, to: number, attempts?: number): WorkUnit | undefined => {
    const slice = sliceUnit(unit, Math.max(from, progress.processedUpTo), to, attempts);
    if (slice === undefined) return undefined;
    const handed =
      held !== undefined && held.from < slice.offset + slice.len && held.to > slice.offset;
    return { ...slice, redelivered: unit.redelivered === true || handed };
  };
  const rest = part(progress.processedUpTo, end);
  if (rest === undefined) return { requeue: [] };
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const earliest = (error as { earliest?: number }).earliest;
  // Out of range with the partition's range unknown (the port could not read it): which
  // offsets are gone is not known, so it is retried as any failure below, not given up.
  if (code === KafkaErrorCode.OffsetOutOfRange && earliest !== undefined) {
    // Retention deleted the start of the range: give up only what is gone and read the
    // rest, which the partition still holds, as a unit of its own.
    const gone = part(rest.offset, earliest);
    const kept = part(earliest, end, 0);
    const lost = gone ?? rest;
    return {
      requeue: kept && gone ? [kept] : [],
      giveUp: { unit: lost, reason: 'OFFSET_OUT_OF_RANGE', detail: withRange(lost, detail) },
    };
  }

  if (code === KafkaErrorCode.UnknownTopicOrPartition) {
    return {
      requeue: [],
      giveUp: { unit: rest, reason: 'UNKNOWN_TOPIC_OR_PARTITION', detail: withRange(rest, detail) },
    };
  }
  const progressed = progress.processedUpTo > unit.offset;
  if (code === KafkaErrorCode.NotLeader && held === undefined) {
    // Not an attempt: the rest's first record failed as often as before — never, when
    // user code finished the records before it in this attempt.
    return { requeue: [{ ...rest, attempts: progressed ? 0 : unit.attempts }], unavailable: true };
  }
  const attempts = progressed ? 1 : unit.attempts + 1;
  if (attempts < maxAttempts) return { requeue: [{ ...rest, attempts }] };
  const exhausted = `${maxAttempts} attempts failed; the last: ${detail}`;
  const poison = held && part(held.from, held.to, attempts);
  if (poison === undefined) {
    return {
      requeue: [],
      giveUp: { unit: { ...rest, attempts }, reason: 'ATTEMPTS_EXHAUSTED', detail: exhausted },
    };
  }
  const after = part(poison.offset + poison.len, end, 0);
  return {
    requeue: after ? [after] : [],
    giveUp: { unit: poison, reason: 'ATTEMPTS_EXHAUSTED', detail: exhausted },
  };
}

function withRange(part: WorkUnit, detail: string): string {
  return `offsets [${part.offset}, ${part.offset + part.len}) of ${part.topic}/${part.partition}: ${detail}`;
}
