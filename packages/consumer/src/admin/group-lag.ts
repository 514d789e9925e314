import type { GroupKeys } from '@kf/core';
import type { IRedis, Isolation, KafkaAccess, PartitionOffsets } from '@kf/protocol';
import { completedWatermarks, type PartitionProgress } from '../progress/completed-watermarks.js';
import { unitCounts } from './unit-counts.js';

/** One partition's progress against its log. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The offset the next record will get (under `read_committed`, the last stable offset). */
  logEnd: number | null;
  /** Every offset below it is settled; `null` while the group has no saved offset for it. */
  completed: number | null;
  /** The next offset to schedule (the saved offset); `null` while none is saved. */
  scheduled: number | null;
  /** Units of this partition waiting for a worker. */
  queuedUnits: number;
  /** Units of this partition claimed by nodes. */
  inFlightUnits: number;
  /**
   * Offsets not yet settled: `logEnd - completed`, never below 0; `null` when either is
   * unknown (the group has not started the partition, or Kafka no longer has it).
   */
  lag: number | null;
}

export interface TopicLag {
  topic: string;
  partitions: PartitionLag[];
  totals: { queuedUnits: number; inFlightUnits: number; lag: number };
  /** Why Kafka's offsets of the topic could not be read, when they could not. */
  unavailable?: string;
}

export interface GroupLag {
  group: string;
  topics: TopicLag[];
}

/**
 * Every partition of the group's topics (or of `topics`): Kafka's log end beside the
 * completed watermark, the saved offset and the units queued and in flight.
 */
export async function readGroupLag(
  redis: IRedis,
  keys: GroupKeys,
  kafka: KafkaAccess,
  isolation: Isolation,
  topics?: readonly string[],
): Promise<GroupLag> {
  const wanted = topics ?? (await redis.setMembers(keys.topics));
  const [progress, counts, logs] = await Promise.all([
    completedWatermarks(redis, keys, wanted),
    unitCounts(redis, keys),
    Promise.all(wanted.map((topic) => logOffsets(kafka, topic, isolation))),
  ]);
  const perTopic = [...new Set(wanted)].sort().map((topic): TopicLag => {
    const log = logs[wanted.indexOf(topic)] ?? { offsets: [] };
    const saved = progress.filter((p) => p.topic === topic);
    const partitions = partitionNumbers(log.offsets, saved).map((partition) => {
      const end = log.offsets.find((o) => o.partition === partition)?.latest ?? null;
      const done = saved.find((p) => p.partition === partition);
      const count = counts.get(`${topic}/${partition}`) ?? { queued: 0, inFlight: 0 };
      return {
        topic,
        partition,
        logEnd: end,
        completed: done?.completed ?? null,
        scheduled: done?.scheduled ?? null,
        queuedUnits: count.queued,
        inFlightUnits: count.inFlight,
        lag: end === null || done === undefined ? null : Math.max(0, end - done.completed),
      };
    });
    return {
      topic,
      partitions,
      totals: {
        queuedUnits: sum(partitions.map((p) => p.queuedUnits)),
        inFlightUnits: sum(partitions.map((p) => p.inFlightUnits)),
        lag: sum(partitions.map((p) => p.lag ?? 0)),
      },
      ...(log.unavailable === undefined ? {} : { unavailable: log.unavailable }),
    };
  });
  return { group: keys.group, topics: perTopic };
}

async function logOffsets(
  kafka: KafkaAccess,
  topic: string,
  isolation: Isolation,
): Promise<{ offsets: PartitionOffsets[]; unavailable?: string }> {
  try {
    return { offsets: await kafka.offsets(topic, isolation) };
  } catch (error) {
    // One topic Kafka cannot answer for (deleted, no leader) leaves the others readable.
    return { offsets: [], unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/** Partitions Kafka has, and those only Redis remembers (a topic recreated with fewer). */
function partitionNumbers(log: PartitionOffsets[], saved: PartitionProgress[]): number[] {
  const all = new Set([...log.map((o) => o.partition), ...saved.map((p) => p.partition)]);
  return [...all].sort((a, b) => a - b);
}

function sum(values: number[]): number {
  return values.reduce((total, v) => total + v, 0);
}
