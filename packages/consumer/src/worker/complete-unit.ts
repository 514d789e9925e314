import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { encodeUnit, sliceUnit, type WorkUnit } from '../work-unit/work-unit.js';

export interface Completion {
  nodeId: string;
  /** The unit exactly as claimed: its identity in the working list. */
  claimed: string;
  unit: WorkUnit;
  /** The first offset user code did not finish, when it stopped part-way. */
  processedUpTo?: number;
  /**
   * Whether user code may have been handed a record of the remainder: a closing node
   * that gave up waiting on user code left it holding the record at `processedUpTo`.
   * Default true: a caller that cannot tell flags the remainder `redelivered`, the side
   * an idempotency check can afford; pass false when the unit stopped between records.
   */
  remainderHanded?: boolean;
}

/** `completed`, or `recovered`: the lease lapsed and the unit will run again elsewhere. */
export type CompletionResult = 'completed' | 'recovered';

/**
 * The unit's offsets user code did not finish, as a unit of its own (a fresh id, the
 * unit's attempts and extra fields), flagged `redelivered` when user code may have been
 * handed part of it or the unit was flagged already.
 */
export function remainderOf(
  unit: WorkUnit,
  processedUpTo: number,
  handed = true,
): WorkUnit | undefined {
  const rest = sliceUnit(unit, processedUpTo, unit.offset + unit.len);
  return rest && { ...rest, redelivered: unit.redelivered === true || handed };
}

/**
 * Completes a unit in one script after user code finished with it, queueing the rest
 * when it stopped part-way.
 */
export async function completeUnit(
  redis: IRedis,
  keys: GroupKeys,
  completion: Completion,
): Promise<CompletionResult> {
  const { unit } = completion;
  const rest =
    completion.processedUpTo === undefined
      ? undefined
      : remainderOf(unit, completion.processedUpTo, completion.remainderHanded ?? true);
  const reply = await redis.evalScript(
    scripts.completeUnit,
    [keys.working(completion.nodeId), keys.pending(unit.topic, unit.partition), keys.work],
    [completion.claimed, unit.id, rest ? encodeUnit(rest) : '', rest?.id ?? '', rest?.offset ?? 0],
  );
  const { status } = statusReply(scripts.completeUnit, reply, [
    ScriptStatus.Done,
    ScriptStatus.Stale,
  ]);
  return status === ScriptStatus.Done ? 'completed' : 'recovered';
}
