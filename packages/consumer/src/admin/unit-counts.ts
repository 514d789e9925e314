import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { decodeUnit } from '../work-unit/work-unit.js';

/** How many units of one partition wait in the work list, and how many nodes hold. */
export interface UnitCount {
  queued: number;
  inFlight: number;
}

const PAGE = 1_000;

/**
 * Units per partition (`topic/partition`), queued and in flight, read from the work list
 * and every leased node's working list. A string that is not a unit counts nowhere: a
 * worker error-lists it when it takes it.
 */
export async function unitCounts(redis: IRedis, keys: GroupKeys): Promise<Map<string, UnitCount>> {
  const counts = new Map<string, UnitCount>();
  const add = (raw: string, which: keyof UnitCount) => {
    const decoded = decodeUnit(raw);
    if (!decoded.ok) return;
    const field = `${decoded.unit.topic}/${decoded.unit.partition}`;
    const count = counts.get(field) ?? { queued: 0, inFlight: 0 };
    count[which] += 1;
    counts.set(field, count);
  };
  const nodes = await redis.sortedSetRangeByScore(keys.nodes, { min: '-inf', max: '+inf' });
  const [queued, ...working] = await Promise.all([
    readList(redis, keys.work),
    ...nodes.map(({ member }) => readList(redis, keys.working(member))),
  ]);
  for (const raw of queued ?? []) add(raw, 'queued');
  for (const list of working) for (const raw of list) add(raw, 'inFlight');
  return counts;
}

/**
 * A whole list, a page at a time: one LRANGE of a long list would hold Redis up. A list
 * longer than a page that moves meanwhile may count a unit twice or miss one: these are
 * figures to read, not to act on.
 */
async function readList(redis: IRedis, key: string): Promise<string[]> {
  const all: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await redis.listRange(key, start, start + PAGE - 1);
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}
