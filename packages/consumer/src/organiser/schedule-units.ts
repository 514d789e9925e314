import type { GroupKeys, Ordering } from '@kf/core';
import { type IRedis, ScriptError } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { encodeUnit, type WorkUnit } from '../work-unit/work-unit.js';

/** One partition's part of a scheduling write. */
export interface PartitionSchedule {
  topic: string;
  partition: number;
  /** The saved offset the plan started from; `undefined` when none was saved. */
  plannedFrom: number | undefined;
  units: WorkUnit[];
  nextOffset: number;
}

export interface ScheduleRequest extends PartitionSchedule {
  epoch: number;
  /** Default `unordered`. */
  ordering?: Ordering;
}

/** What one partition's part of the write did. */
export type PartitionScheduled =
  | { status: 'queued'; units: number }
  | { status: 'stale'; savedOffset: number | undefined }
  /**
   * `ordering: 'partition'`: units of the partition were pending when the script ran (a
   * unit requeued from the error list since the plan was made); nothing was written.
   */
  | { status: 'busy'; pending: number };

export type ScheduleResult =
  | PartitionScheduled
  | { status: 'deposed'; currentEpoch: number }
  | { status: 'paused' };

/** The answer of one write: every partition's outcome, in order, or a newer leader's epoch. */
export type SchedulePartitionsResult =
  | { status: 'written'; partitions: PartitionScheduled[] }
  | { status: 'deposed'; currentEpoch: number }
  /** The group was paused when the script ran (after the tick read it): nothing written. */
  | { status: 'paused' };

/**
 * Partitions written per script call: a tick of a topic with thousands of partitions is
 * cut into calls of this many, so no one call keeps Redis busy for long.
 */
export const PARTITIONS_PER_CALL = 256;

/**
 * How a tick's writes (in dealing order) are cut into script calls. The first call holds
 * every partition with nothing saved yet: a topic whose first positions were recorded in
 * part (a call that failed, a leader deposed between calls) would read, next tick, as
 * one whose other partitions were added since. With replicas to wait for, each call
 * holds one partition with something saved (the organiser records first positions with
 * no units then): each `WAIT` covers one partition's new units, and a short one ends the
 * tick's writes, so a replica that stops costs at most one partition's units per wait.
 */
export function writeCalls<T>(
  writes: T[],
  unsaved: (write: T) => boolean,
  waitReplicas: number,
): T[][] {
  const first = writes.filter(unsaved);
  const rest = writes.filter((write) => !unsaved(write));
  const perCall = waitReplicas > 0 ? 1 : PARTITIONS_PER_CALL;
  const calls = [[...first, ...rest.slice(0, perCall)]];
  for (let i = perCall; i < rest.length; i += perCall) calls.push(rest.slice(i, i + perCall));
  return calls.filter((call) => call.length > 0);
}

/** One partition's write: `schedulePartitions` of one. */
export async function scheduleUnits(
  redis: IRedis,
  keys: GroupKeys,
  request: ScheduleRequest,
): Promise<ScheduleResult> {
  const { epoch, ordering, ...plan } = request;
  const result = await schedulePartitions(redis, keys, epoch, [plan], ordering);
  if (result.status !== 'written') return result;
  return result.partitions[0] as PartitionScheduled;
}

/**
 * Queues the planned units of each partition and advances its saved offset, in one
 * script: a crash part-way, or a deposed leader, can never schedule a range twice, and a
 * partition whose saved offset moved since the plan was made (`stale`), or, under
 * `partition` ordering, that has a unit pending (`busy`), is left as it is while the
 * others are written.
 */
export async function schedulePartitions(
  redis: IRedis,
  keys: GroupKeys,
  epoch: number,
  plans: PartitionSchedule[],
  ordering: Ordering = 'unordered',
): Promise<SchedulePartitionsResult> {
  const args: Array<string | number> = [epoch, ordering];
  for (const plan of plans) {
    args.push(
      `${plan.topic}/${plan.partition}`,
      plan.plannedFrom === undefined ? '' : plan.plannedFrom,
      plan.nextOffset,
      plan.units.length,
    );
    for (const unit of plan.units) args.push(encodeUnit(unit), unit.id, unit.offset);
  }
  const reply = await redis.evalScript(
    scripts.scheduleUnits,
    [
      keys.work,
      keys.offsets,
      keys.epoch,
      keys.paused,
      ...plans.map((plan) => keys.pending(plan.topic, plan.partition)),
    ],
    args,
  );
  const { status, value } = statusReply(scripts.scheduleUnits, reply, [
    ScriptStatus.Done,
    ScriptStatus.Deposed,
    ScriptStatus.Paused,
  ]);
  if (status === ScriptStatus.Deposed) return { status: 'deposed', currentEpoch: value };
  if (status === ScriptStatus.Paused) return { status: 'paused' };
  return { status: 'written', partitions: partitionReplies(reply as unknown[], plans.length) };
}

/** The per-partition pairs after the reply's status: anything else is a script defect. */
function partitionReplies(reply: unknown[], count: number): PartitionScheduled[] {
  const values = reply.slice(1).map(Number);
  const unexpected = () =>
    new ScriptError(scripts.scheduleUnits.name, `unexpected reply ${JSON.stringify(reply)}`);
  if (values.length !== 2 * count || !values.every(Number.isInteger)) throw unexpected();
  return Array.from({ length: count }, (_, i): PartitionScheduled => {
    const [status, value] = [values[2 * i], values[2 * i + 1] as number];
    if (status === ScriptStatus.Done) return { status: 'queued', units: value };
    if (status === ScriptStatus.Stale) {
      return { status: 'stale', savedOffset: value === -1 ? undefined : value };
    }
    if (status === ScriptStatus.PartitionBusy) return { status: 'busy', pending: value };
    throw unexpected();
  });
}
