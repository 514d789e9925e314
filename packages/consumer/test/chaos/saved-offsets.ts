import { groupKeys } from '@kf/core';
import { withRedis } from '@kf/devstack';
import type { SavedOffsetRollback } from './run-record.js';

/** A group's saved offsets (`topic/partition` → next offset to schedule) as one server holds them. */
export async function readSavedOffsets(
  server: { host: string; port: number },
  group: string,
): Promise<Record<string, string>> {
  // Straight to that server, not through the cluster: each side of a fail-over is asked.
  return withRedis(server, (r) => r.hgetall(groupKeys(group).offsets));
}

/**
 * The partitions whose saved offset went back from `killed` (the master's, just before
 * its kill) to `promoted` (its replacement's): schedules the kill undid. Only the schedule
 * script writes saved offsets, and it never deletes one; it moves one back only for a
 * reported `reset-ahead` written in that moment (which the checker excuses on its own).
 * Any other drop is a lost write; a field the replacement lacks lost every schedule of its
 * partition (a range from 0: each offset in it still excuses one schedule only).
 */
export function savedOffsetRollbacks(
  killed: Record<string, string>,
  promoted: Record<string, string>,
): SavedOffsetRollback[] {
  return Object.entries(killed).flatMap(([field, to]) => {
    const from = promoted[field] ?? '0';
    if (Number(from) >= Number(to)) return [];
    const cut = field.lastIndexOf('/');
    return [
      {
        topic: field.slice(0, cut),
        partition: Number(field.slice(cut + 1)),
        from: Number(from),
        to: Number(to),
      },
    ];
  });
}
