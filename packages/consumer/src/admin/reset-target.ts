import type { Isolation, KafkaAccess, PartitionOffsets } from '@kf/protocol';
import { GroupAdminError, GroupAdminErrorCode } from './group-admin-error.js';

/**
 * Where to move a partition's saved offset: its log start, its log end, an offset, or
 * the first offset whose record timestamp is at or after a time (the log end if none).
 */
export type ResetTarget = 'earliest' | 'latest' | number | Date;

/** The new saved offset of each partition, beside its log's range. */
export interface ResolvedTarget {
  partition: number;
  to: number;
  logStart: number;
  logEnd: number;
}

/**
 * Each partition's new offset. An offset outside a partition's log is refused with the
 * range it had: the organiser would move such a saved offset again on its own
 * (retention, reset-ahead), not where it was asked to go.
 */
export async function resolveTarget(
  kafka: KafkaAccess,
  topic: string,
  log: PartitionOffsets[],
  target: ResetTarget,
  isolation: Isolation,
): Promise<ResolvedTarget[]> {
  if (target === 'earliest' || target === 'latest') {
    return log.map(({ partition, earliest, latest }) => ({
      partition,
      to: target === 'earliest' ? earliest : latest,
      logStart: earliest,
      logEnd: latest,
    }));
  }
  if (target instanceof Date) {
    const time = target.getTime();
    if (!Number.isSafeInteger(time) || time < 0) {
      throw invalid(`expected a valid time at or after 1970, got ${String(target)}`);
    }
    const atTime = await kafka.offsetsAt(topic, time, isolation);
    return log.map(({ partition, earliest, latest }) => ({
      partition,
      // A record written since the log end was read may be found by time: not past the end read.
      to: Math.min(
        latest,
        Math.max(earliest, atTime.find((p) => p.partition === partition)?.offset ?? latest),
      ),
      logStart: earliest,
      logEnd: latest,
    }));
  }
  if (!Number.isSafeInteger(target) || target < 0) {
    throw invalid(`expected an offset as a whole number of 0 or more, got ${target}`);
  }
  const outside = log.filter((p) => target < p.earliest || target > p.latest);
  if (outside.length > 0) {
    const ranges = outside.map((p) => `${topic}/${p.partition} holds ${p.earliest} to ${p.latest}`);
    throw invalid(`offset ${target} is outside the log: ${ranges.join(', ')}`);
  }
  return log.map(({ partition, earliest, latest }) => ({
    partition,
    to: target,
    logStart: earliest,
    logEnd: latest,
  }));
}

export function invalid(message: string): GroupAdminError {
  return new GroupAdminError(GroupAdminErrorCode.InvalidRequest, message);
}
