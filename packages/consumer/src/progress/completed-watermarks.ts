import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';

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

/**
 * The completed watermark of every partition with a saved offset, optionally only those
 * of `topics`. Saved offsets are read before the pending sets: a unit scheduled between
 * the two reads starts at or above the saved offset read, so the answer is never above
 * an offset still unsettled when the last read was made.
 */
export async function completedWatermarks(
  redis: IRedis,
  keys: GroupKeys,
  topics?: readonly string[],
): Promise<PartitionProgress[]> {
  const saved = await redis.hashGetAll(keys.offsets);
  const wanted = topics === undefined ? undefined : new Set(topics);
  const fields = Object.entries(saved).flatMap(([field, value]) => {
    const slash = field.lastIndexOf('/');
    const topic = field.slice(0, slash);
    const partition = Number(field.slice(slash + 1));
    if (wanted !== undefined && !wanted.has(topic)) return [];
    return [{ topic, partition, scheduled: Number(value) }];
  });
  const progress = await Promise.all(
    fields.map(async ({ topic, partition, scheduled }) => {
      const [lowest] = await redis.sortedSetRangeByScore(keys.pending(topic, partition), {
        min: '-inf',
        max: '+inf',
        count: 1,
      });
      // Below the saved offset unless the offsets were reset back under units in flight.
      const completed = lowest === undefined ? scheduled : Math.min(lowest.score, scheduled);
      return { topic, partition, scheduled, completed };
    }),
  );
  return progress.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
