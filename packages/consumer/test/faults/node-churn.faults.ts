import type { KfConfigInput } from '@kf/core';
import { startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import type { WorkUnit } from '../../src/work-unit/work-unit.js';
import {
  duplicatesOutside,
  errorListed,
  faultSummary,
  heldUnits,
  leaderOf,
} from '../support/fault-kit.js';
import { useGroupRuns } from '../support/group-run.js';
import { countSeen, NodeProcess, overlappingSchedules } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const LEASE_TTL_MS = 2_000;
const TICK_MS = 100;
const MESSAGES_PER_SECOND = 10_000;
const RUN_MS = 22_000;
const KILL_EVERY_MS = 3_000;

/**
 * Node churn: during a run of more than 200k messages a node is killed with SIGKILL every
 * few seconds and a new one started in its place. Every message arrives; duplicates come
 * only from the killed nodes' claimed units; each dead node's units are back in the work
 * list within its lease TTL and the leader's recovery cadence.
 */
describe('faults: node churn', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults-churn' });
  const runs = useGroupRuns(stack);

  test('a node killed every 3 s and replaced: nothing lost, duplicates only from the dead', async () => {
    const topic = 'faults-churn';
    const conf: KfConfigInput & { redis: { groupName: string } } = {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: {
        host: stack.redis.info.host,
        port: stack.redis.info.port,
        groupName: 'faults-churn',
      },
      conf: {
        useEarliest: true,
        consumeStep: 1_000,
        leaseTtlMs: LEASE_TTL_MS,
        workCalculateFreq: TICK_MS,
      },
    };
    const run = await runs.start({
      topic,
      partitions: 8,
      config: conf,
      rate: MESSAGES_PER_SECOND,
      pauseMs: 2,
      flowBefore: 1_000,
    });
    const running = run.nodes;
    let started = running.length;
    const startNode = async () => {
      const node = new NodeProcess({
        config: conf,
        topics: [topic],
        nodeId: `${topic}-${started++}`,
        pauseMs: 2,
      });
      running.push(node);
      await node.started();
      return node;
    };
    const killed = new Set<NodeProcess>();
    const deadUnits: WorkUnit[] = [];
    const recoveries: number[] = [];
    const deadline = Date.now() + RUN_MS;
    let kills = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
      const alive = running.filter((n) => !killed.has(n));
      // Not the leader: its death is the leadership scenario; here the bound is the lease.
      const victim = alive.find((n) => n !== leaderOf(alive));
      if (victim === undefined) continue;
      victim.kill();
      killed.add(victim);
      await victim.report.exit;
      const killedAt = Date.now();
      const held = await heldUnits(stack.redis.info, conf, victim);
      deadUnits.push(...held);
      kills += 1;
      const replacement = startNode();
      if (held.length > 0) {
        await until(
          waitUntil,
          async () =>
            (await withRedis(stack.redis.info, (c) =>
              c.llen(`kf:{${conf.redis.groupName}}:working:${victim.report.nodeId}`),
            )) === 0,
          `the units of ${victim.report.nodeId} recovered`,
          15_000,
        );
        recoveries.push(Date.now() - killedAt);
      }
      await replacement;
    }
    const ids = (await run.everyMessage(120_000)).acknowledged;
    const { duplicates, outside } = duplicatesOutside(running, deadUnits);
    const listed = await errorListed(conf);
    const heldOffsets = deadUnits.reduce((sum, u) => sum + u.len, 0);
    faultSummary('node churn, SIGKILL every 3 s', {
      produced: ids.length,
      delivered: countSeen(running).distinct.size,
      duplicates,
      errorListed: listed,
      kills,
      unitsHeldByKilled: deadUnits.length,
      offsetsHeldByKilled: heldOffsets,
      recoveryMs: recoveries.length
        ? `${Math.min(...recoveries)}–${Math.max(...recoveries)}`
        : 'n/a',
    });
    expect(ids.length).toBeGreaterThanOrEqual(200_000);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(countSeen(running).distinct.size).toBe(ids.length);
    expect(outside).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(heldOffsets);
    expect(overlappingSchedules(running)).toEqual([]);
    expect(listed).toBe(0);
    // Lease TTL, then the leader's recovery check (every quarter TTL) and a tick.
    for (const ms of recoveries)
      expect(ms).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 4 + TICK_MS + 1_000);
  });
});
