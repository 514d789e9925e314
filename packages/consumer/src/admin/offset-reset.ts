import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError, type ScriptReply } from '@kf/protocol';
import { KafkaErrorCode } from '../errors/kafka-error-code.js';
import type { Isolation, KafkaAccess, PartitionOffsets } from '../kafka/kafka-access.js';
import { scripts } from '../scripts/index.js';
import { decodeUnit } from '../work-unit/work-unit.js';
import { type GroupPause, pauseForReset } from './group-pause.js';
import { invalid, type ResetTarget, resolveTarget } from './reset-target.js';
import { unitCounts } from './unit-counts.js';

export interface OffsetResetRequest {
  topic: string;
  /** One partition; every partition of the topic when omitted. */
  partition?: number;
  to: ResetTarget;
  /** Default true: only say what would move. `false` moves the offsets. */
  dryRun?: boolean;
}

/** A range of offsets a dropped unit covered: `[offset, offset + len)`. */
export interface UnitRange {
  partition: number;
  offset: number;
  len: number;
}

export interface PartitionReset {
  partition: number;
  /** The saved offset before; `null` when none was saved. */
  from: number | null;
  to: number;
  logStart: number;
  logEnd: number;
}

export interface OffsetResetResult {
  topic: string;
  dryRun: boolean;
  partitions: PartitionReset[];
  /**
   * Queued units of those partitions the reset dropped (for a dry run: those queued now,
   * which a reset would drop), lowest offset first.
   */
  dropped: UnitRange[];
  /** Units of those partitions claimed by nodes: they keep running to their end. */
  inFlightUnits: number;
  /**
   * How the group was paused around the move: `reset` when the reset paused it and
   * resumed it after, `already` when it was paused before and stays paused; `null` for a
   * dry run.
   */
  pause: 'reset' | 'already' | null;
}

/**
 * Moves the saved offsets of a topic's partitions, safe while nodes run: the group is
 * paused around it (unless already paused), and one script sets the offsets and drops
 * the queued units of those partitions (see reset-offsets-n.lua for what it keeps).
 */
export async function resetOffsets(
  redis: IRedis,
  keys: GroupKeys,
  kafka: KafkaAccess,
  isolation: Isolation,
  pause: GroupPause,
  by: string,
  request: OffsetResetRequest,
): Promise<OffsetResetResult> {
  const { topic } = request;
  const dryRun = request.dryRun ?? true;
  const groupTopics = await redis.setMembers(keys.topics);
  if (!groupTopics.includes(topic)) {
    throw invalid(
      `topic ${topic} is not one of the group's topics (${groupTopics.sort().join(', ') || 'none'})`,
    );
  }
  const log = choosePartitions(topic, await topicLog(kafka, topic, isolation), request.partition);
  const targets = await resolveTarget(kafka, topic, log, request.to, isolation);
  const partitions = targets.map((t) => t.partition);

  if (dryRun) {
    const [saved, queued, counts] = await Promise.all([
      redis.hashGetAll(keys.offsets),
      queuedRanges(redis, keys, topic, partitions),
      unitCounts(redis, keys),
    ]);
    return {
      topic,
      dryRun,
      partitions: targets.map((t) => ({
        ...t,
        from: savedOffset(saved[`${topic}/${t.partition}`]),
      })),
      dropped: queued,
      inFlightUnits: inFlight(counts, topic, partitions),
      pause: null,
    };
  }

  const held = await pauseForReset(pause, by);
  let reply: ScriptReply;
  try {
    reply = await redis.evalScript(
      scripts.resetOffsets,
      [keys.work, keys.offsets, ...partitions.map((p) => keys.pending(topic, p))],
      [topic, ...targets.flatMap((t) => [t.partition, t.to])],
    );
  } finally {
    await held.release();
  }
  const { old, dropped } = parseReply(reply, targets.length);
  const counts = await unitCounts(redis, keys);
  return {
    topic,
    dryRun,
    partitions: targets.map((t, i) => ({ ...t, from: savedOffset(old[i]) })),
    dropped: dropped
      .flatMap(toRange)
      .map(({ partition, offset, len }) => ({ partition, offset, len }))
      .sort(byOffset),
    inFlightUnits: inFlight(counts, topic, partitions),
    pause: held.pausedByReset ? 'reset' : 'already',
  };
}

async function topicLog(
  kafka: KafkaAccess,
  topic: string,
  isolation: Isolation,
): Promise<PartitionOffsets[]> {
  try {
    return await kafka.offsets(topic, isolation);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.UnknownTopicOrPartition) {
      throw invalid(`topic ${topic} does not exist in Kafka`);
    }
    throw error;
  }
}

function choosePartitions(
  topic: string,
  log: PartitionOffsets[],
  partition: number | undefined,
): PartitionOffsets[] {
  if (partition === undefined) return log;
  const chosen = log.filter((p) => p.partition === partition);
  if (chosen.length === 0) {
    throw invalid(
      `partition ${partition} of ${topic} does not exist: it has partitions 0 to ${log.length - 1}`,
    );
  }
  return chosen;
}

/** The queued units of those partitions now, as a reset would drop them. */
async function queuedRanges(
  redis: IRedis,
  keys: GroupKeys,
  topic: string,
  partitions: number[],
): Promise<UnitRange[]> {
  const queued = await redis.listRange(keys.work, 0, -1);
  return queued
    .flatMap(toRange)
    .filter((r) => r.topic === topic && partitions.includes(r.partition))
    .map(({ partition, offset, len }) => ({ partition, offset, len }))
    .sort(byOffset);
}

function toRange(raw: string): Array<UnitRange & { topic: string }> {
  const decoded = decodeUnit(raw);
  if (!decoded.ok) return [];
  const { topic, partition, offset, len } = decoded.unit;
  return [{ topic, partition, offset, len }];
}

function inFlight(
  counts: Map<string, { inFlight: number }>,
  topic: string,
  partitions: number[],
): number {
  return partitions.reduce((sum, p) => sum + (counts.get(`${topic}/${p}`)?.inFlight ?? 0), 0);
}

function savedOffset(text: string | undefined): number | null {
  return text === undefined || text === '' ? null : Number(text);
}

function byOffset(a: UnitRange, b: UnitRange): number {
  return a.partition - b.partition || a.offset - b.offset;
}

function parseReply(reply: ScriptReply, partitions: number): { old: string[]; dropped: string[] } {
  if (
    Array.isArray(reply) &&
    reply[0] === 1 &&
    Array.isArray(reply[1]) &&
    Array.isArray(reply[2])
  ) {
    const old = reply[1].map(String);
    if (old.length === partitions) return { old, dropped: reply[2].map(String) };
  }
  throw new ScriptError(scripts.resetOffsets.name, `unexpected reply ${JSON.stringify(reply)}`);
}
