import { createRedis, groupKeys, type KfConfigInput, parseConfig } from '@kf/core';
import { withRedis } from '@kf/devstack';
import { decodeUnit, type WorkUnit } from '../../src/work-unit/work-unit.js';
import type { NodeProcess, NodeReport, UnitRange } from './node-processes.js';

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
 * The units `report`'s node may not have been alone on: it claimed them and did not
 * complete each claim without `possibleDuplicate` (never completed: it died or stalled
 * holding them; or completed flagged: its lease had lapsed and they were recovered).
 * Exact from the node's own reports, whenever its working list is looked at: they arrive
 * in the order it sent them and a claim precedes any batch of its unit, so every offset
 * it delivered is in a unit it reported claiming; and an unflagged completion found the
 * claim still in its working list, so no other node had that unit.
 */
export function unitsInDoubt(report: NodeReport): UnitRange[] {
  const claims = new Map<string, { unit: UnitRange; open: number; flagged: boolean }>();
  for (const { unit } of report.claimed) {
    const entry = claims.get(unit.id) ?? { unit, open: 0, flagged: false };
    entry.open += 1;
    claims.set(unit.id, entry);
  }
  for (const { unit, duplicate } of report.completed) {
    const entry = claims.get(unit.id);
    if (entry === undefined) continue;
    if (duplicate) entry.flagged = true;
    else entry.open -= 1;
  }
  return [...claims.values()].filter((e) => e.flagged || e.open > 0).map((e) => e.unit);
}

/**
 * Completions of `units` that `report`'s node sent after `since` (a test-clock moment
 * from which it was stopped or dead, so anything it reports later it did once resumed)
 * without `possibleDuplicate`: a unit another node may have run must say so.
 */
export function unflaggedCompletions(
  report: NodeReport,
  units: readonly UnitRange[],
  since: number,
): string[] {
  const ids = new Set(units.map((u) => u.id));
  return report.completed
    .filter((c) => c.at > since && !c.duplicate && ids.has(c.unit.id))
    .map((c) => `${c.unit.id}+${c.unit.len}`);
}

/**
 * Offsets delivered more than once, counted per offset, and those of them outside
 * `allowed` (the units a faulty node held): the only place a duplicate may come from.
 */
export function duplicatesOutside(
  nodes: readonly NodeProcess[],
  allowed: ReadonlyArray<Pick<UnitRange, 'partition' | 'offset' | 'len'>>,
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

/**
 * What the schedule script answered leaders whose term was over: every `schedule-units`
 * call carrying an epoch older than one another node had gained before the call was
 * answered. The fence must answer each of them "deposed" (status 2); any other answer
 * (queued, or stale: the saved-offset check caught what the epoch check should have) is
 * a breach. `attempts` counts those calls: a scenario whose deposed leader never tried
 * to write proves nothing about the fence. Judged by report times, so valid where no
 * write of the old term can be in flight across the take-over (a dead leader, or one
 * stopped before it reads: `stallBeforeNextPlan`).
 */
export function fenceBreaches(nodes: readonly NodeProcess[]): {
  attempts: number;
  breaches: string[];
} {
  const gains = nodes.flatMap((n) => n.report.leadership.filter((e) => e.gained));
  let attempts = 0;
  const breaches: string[] = [];
  for (const n of nodes) {
    for (const call of n.report.scheduleCalls) {
      const newer = gains.find((g) => g.epoch > call.epoch && g.at < call.at);
      if (newer === undefined) continue;
      attempts += 1;
      if (call.status !== 2) {
        breaches.push(
          `${n.report.nodeId} wrote at epoch ${call.epoch} after epoch ${newer.epoch} began: status ${call.status}`,
        );
      }
    }
  }
  return { attempts, breaches };
}

/** Ids expected and not delivered, and ids delivered and never expected: both must be empty. */
export function idsCompared(
  nodes: readonly NodeProcess[],
  expected: readonly string[],
): { missing: string[]; unexpected: string[] } {
  const delivered = new Set(nodes.flatMap((n) => n.report.seen.map(([, , id]) => id)));
  const wanted = new Set(expected);
  return {
    missing: expected.filter((id) => !delivered.has(id)),
    unexpected: [...delivered].filter((id) => !wanted.has(id)),
  };
}

/**
 * The first claim any node reported after `since` (a Redis server killed or restarted
 * then): one the server that came after answered. After a kill, a reply already on its
 * way at `since` arrives within a millisecond on loopback: `guardMs` (100 ms) keeps such
 * a claim out. Infinity when there was none.
 */
export function firstClaimAfter(
  nodes: readonly NodeProcess[],
  since: number,
  guardMs = 100,
): number {
  return Math.min(
    ...nodes.flatMap((n) => n.report.claimed.map((c) => c.at).filter((at) => at > since + guardMs)),
  );
}

/** A scenario's one-line summary in the test log. */
export function faultSummary(name: string, fields: Record<string, number | string>): void {
  const line = Object.entries(fields)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(`[faults] ${name}: ${line}\n`);
}
