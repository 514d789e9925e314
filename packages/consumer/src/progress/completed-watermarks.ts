import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError } from '@kf/protocol';
import { scripts } from '../scripts/index.js';

/** One partition's progress as Redis holds it. */
export interface PartitionProgress {
  topic: string;
  partition: number;
  /** The next offset to schedule (the saved offset). */
  scheduled: number;
  /**
   * Every offset below it is settled: processed, or given up on to the error list. The
   * lowest start offset of a unit still pending, or `scheduled` when none is.
   */
  completed: number;
}

export interface ProgressSnapshot {
  /** The group's leadership epoch when it was read; 0 before any leader. */
  epoch: number;
  /** The partitions asked about that have a saved offset, by topic and partition. */
  partitions: PartitionProgress[];
}

/**
 * The completed watermark of `partitions`, read in one script with the group's epoch,
 * so it is a snapshot: never above an offset unsettled at that moment.
 */
export async function readProgress(
  redis: IRedis,
  keys: GroupKeys,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
): Promise<ProgressSnapshot> {
  const reply = await redis.evalScript(
    scripts.readProgress,
    [
      keys.offsets,
      keys.epoch,
      ...partitions.map(({ topic, partition }) => keys.pending(topic, partition)),
    ],
    partitions.map(({ topic, partition }) => `${topic}/${partition}`),
  );
  if (!Array.isArray(reply) || reply.length !== 1 + 2 * partitions.length) {
    throw new ScriptError(scripts.readProgress.name, `unexpected reply ${JSON.stringify(reply)}`);
  }
  const values = reply.map(String);
  const progress: PartitionProgress[] = [];
  partitions.forEach(({ topic, partition }, i) => {
    const saved = values[1 + 2 * i] as string;
    const lowest = values[2 + 2 * i] as string;
    if (saved === '') return;
    const scheduled = Number(saved);
    // Below the saved offset unless the offsets were reset back under units in flight.
    const completed = lowest === '' ? scheduled : Math.min(Number(lowest), scheduled);
    progress.push({ topic, partition, scheduled, completed });
  });
  progress.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { epoch: values[0] === '' ? 0 : Number(values[0]), partitions: progress };
}

/** The completed watermark of every partition with a saved offset (of `topics`, if given). */
export async function completedWatermarks(
  redis: IRedis,
  keys: GroupKeys,
  topics?: readonly string[],
): Promise<PartitionProgress[]> {
  const wanted = topics === undefined ? undefined : new Set(topics);
  const fields = Object.keys(await redis.hashGetAll(keys.offsets)).flatMap((field) => {
    const slash = field.lastIndexOf('/');
    const topic = field.slice(0, slash);
    if (wanted !== undefined && !wanted.has(topic)) return [];
    return [{ topic, partition: Number(field.slice(slash + 1)) }];
  });
  return (await readProgress(redis, keys, fields)).partitions;
}
