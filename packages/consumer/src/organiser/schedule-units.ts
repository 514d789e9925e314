import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { encodeUnit, type WorkUnit } from '../work-unit/work-unit.js';

export interface ScheduleRequest {
  epoch: number;
  topic: string;
  partition: number;
  /** The saved offset the plan started from; `undefined` when none was saved. */
  plannedFrom: number | undefined;
  units: WorkUnit[];
  nextOffset: number;
}

export type ScheduleResult =
  | { status: 'queued'; units: number }
  | { status: 'deposed'; currentEpoch: number }
  | { status: 'stale'; savedOffset: number | undefined };

/**
 * Queues a partition's planned units and advances its saved offset in one script, so a
 * crash between the two, or a deposed leader, can never schedule a range twice.
 */
export async function scheduleUnits(
  redis: IRedis,
  keys: GroupKeys,
  request: ScheduleRequest,
): Promise<ScheduleResult> {
  const field = `${request.topic}/${request.partition}`;
  const unitArgs = request.units.flatMap((unit) => [encodeUnit(unit), unit.id, unit.offset]);
  const reply = await redis.evalScript(
    scripts.scheduleUnits,
    [keys.work, keys.offsets, keys.epoch, keys.pending(request.topic, request.partition)],
    [
      request.epoch,
      field,
      request.plannedFrom === undefined ? '' : request.plannedFrom,
      request.nextOffset,
      ...unitArgs,
    ],
  );
  const { status, value } = statusReply(scripts.scheduleUnits, reply, [
    ScriptStatus.Done,
    ScriptStatus.Deposed,
    ScriptStatus.Stale,
  ]);
  if (status === ScriptStatus.Done) return { status: 'queued', units: value };
  if (status === ScriptStatus.Deposed) return { status: 'deposed', currentEpoch: value };
  return { status: 'stale', savedOffset: value === -1 ? undefined : value };
}
