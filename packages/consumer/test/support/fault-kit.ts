import { createRedis, groupKeys, type KfConfigInput, parseConfig } from '@kf/core';
import { withRedis } from '@kf/devstack';
import { decodeUnit, type WorkUnit } from '../../src/work-unit/work-unit.js';
import type { NodeProcess } from './node-processes.js';

type RedisAddress = { host: string; port: number };
type Group = { redis: { groupName: string } };

/** The node of `among` that leads now: the last leadership event of each node tells. */
export function leaderOf(among: readonly NodeProcess[]): NodeProcess | undefined {
  return among.find((n) => n.report.leadership.at(-1)?.gained === true);
}

/** The units `node` has claimed, read from Redis (what it held when it died). */
export async function heldUnits(
  redis: RedisAddress,
  conf: Group,
  node: NodeProcess,
): Promise<WorkUnit[]> {
  const raws = await withRedis(redis, (c) =>
    c.lrange(`kf:{${conf.redis.groupName}}:working:${node.report.nodeId}`, 0, -1),
  );
  return raws.flatMap((raw) => {
    const decoded = decodeUnit(raw);
    return decoded.ok ? [decoded.unit] : [];
  });
}

/**
 * The group's error list, read through kf's own adapter for the config's topology (a
 * Sentinel or Cluster deployment may have failed over since the test began).
 */
export async function errorEntries(config: KfConfigInput): Promise<string[]> {
  const parsed = parseConfig(config);
  const redis = await createRedis(parsed.redis);
  try {
    return await redis.listRange(groupKeys(parsed.redis.groupName).error, 0, -1);
  } finally {
    await redis.close();
  }
}

export async function errorListed(config: KfConfigInput): Promise<number> {
  return (await errorEntries(config)).length;
}

/**
 * Offsets delivered more than once, counted per offset, and those of them outside
 * `allowed` (the units a faulty node held): the only place a duplicate may come from.
 */
export function duplicatesOutside(
  nodes: readonly NodeProcess[],
  allowed: readonly WorkUnit[],
): { duplicates: number; outside: string[] } {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    for (const [p, o] of n.report.seen) counts.set(`${p}/${o}`, (counts.get(`${p}/${o}`) ?? 0) + 1);
  }
  let duplicates = 0;
  const outside: string[] = [];
  for (const [key, count] of counts) {
    if (count < 2) continue;
    duplicates += count - 1;
    const [p, o] = key.split('/').map(Number) as [number, number];
    if (!allowed.some((u) => u.partition === p && o >= u.offset && o < u.offset + u.len)) {
      outside.push(key);
    }
  }
  return { duplicates, outside };
}

/** A scenario's one-line summary in the test log. */
export function faultSummary(name: string, fields: Record<string, number | string>): void {
  const line = Object.entries(fields)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(`[faults] ${name}: ${line}\n`);
}
