import type { KfConfigInput } from '@kf/core';
import {
  masterOf,
  processServing,
  type RedisCluster,
  readTopology,
  startRedisCluster,
  waitUntil,
} from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { errorEntries, errorListed, faultSummary } from '../support/fault-kit.js';
import { useGroupRuns } from '../support/group-run.js';
import { countSeen, overlappingSchedules } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

/**
 * Redis Cluster: the master owning the group's hash slot is killed with SIGKILL mid-run
 * and its replica promoted. Run without and with `conf.waitReplicas`: replication is
 * asynchronous, so writes the master acknowledged in its last moments may be missing on
 * the replica. Every message must still arrive; what the lost writes cost (ranges
 * scheduled twice, units delivered twice, orphans given back) is counted and reported.
 */
describe('faults: Redis Cluster master of the group killed', { timeout: 300_000 }, () => {
  const stack = useKafkaRedis({ redis: () => startRedisCluster(), clientId: 'kf-faults-cluster' });
  const runs = useGroupRuns(stack);
  const killed: number[] = [];

  const seed = (cluster: RedisCluster) =>
    cluster.info.nodes.find((n) => !killed.includes(n.port)) as { host: string; port: number };

  /** A group name whose slot's master still has a live replica to promote. */
  async function groupWithLiveReplica(prefix: string): Promise<string> {
    const topology = await readTopology(seed(stack.redis));
    for (let i = 0; ; i++) {
      const group = `${prefix}-${i}`;
      const { master } = await masterOf(seed(stack.redis), `kf:{${group}}:work`);
      const replicas = topology.filter((n) => n.masterId === master.id);
      if (replicas.some((r) => !killed.includes(r.port))) return group;
    }
  }

  /**
   * Kills the master serving the group with SIGKILL. With `lagMs`, its replica is paused
   * (SIGSTOP) that long first and resumed after the kill: the writes of that stretch were
   * acknowledged by the master and never replicated, what asynchronous replication loses
   * when a replica falls behind. Resolves with the dead master's port.
   */
  async function killMasterOf(group: string, lagMs: number): Promise<number> {
    const cluster = stack.redis;
    const { master } = await masterOf(seed(cluster), `kf:{${group}}:work`);
    const victim = await processServing(master, cluster.processes);
    const replica = (await readTopology(seed(cluster))).find(
      (n) => n.masterId === master.id && !killed.includes(n.port),
    );
    const lagging =
      lagMs > 0 && replica ? await processServing(replica, cluster.processes) : undefined;
    lagging?.signal('SIGSTOP');
    await new Promise((r) => setTimeout(r, lagMs));
    killed.push(master.port);
    victim.signal('SIGKILL');
    lagging?.signal('SIGCONT');
    return master.port;
  }

  test.each([
    { waitReplicas: 0, lagMs: 0, label: 'without WAIT' },
    { waitReplicas: 0, lagMs: 1_000, label: 'without WAIT, replica 1 s behind' },
    { waitReplicas: 1, lagMs: 1_000, label: 'waitReplicas 1, replica 1 s behind' },
  ])(
    '$label: the replica is promoted, work resumes, nothing is lost',
    async ({ waitReplicas, lagMs, label }) => {
      const topic = `faults-cluster-wait-${waitReplicas}-lag-${lagMs}`;
      const group = await groupWithLiveReplica(topic);
      const conf: KfConfigInput = {
        bootstrapBrokers: stack.kafka.info.brokers,
        redis: { host: stack.redis.info.nodes.map((n) => `${n.host}:${n.port}`), groupName: group },
        conf: { useEarliest: true, consumeStep: 500, waitReplicas },
      };
      const run = await runs.start({
        topic,
        partitions: 4,
        config: conf,
        rate: 3_000,
        pauseMs: 2,
        flowBefore: 4_000,
        withLeader: true,
        diagnose: async () => `error list: ${(await errorEntries(conf)).slice(0, 3)}`,
      });
      const before = countSeen(run.nodes).total;
      const port = await killMasterOf(group, lagMs);
      const killedAt = Date.now();
      await until(
        waitUntil,
        async () => (await masterOf(seed(stack.redis), `kf:{${group}}:work`)).master.port !== port,
        'a replica promoted',
        30_000,
      );
      const promotedMs = Date.now() - killedAt;
      await until(
        waitUntil,
        () => countSeen(run.nodes).total > before + 4_000,
        'consumption after the fail-over',
        90_000,
      );
      const resumedMs = Date.now() - killedAt;
      const ids = (await run.everyMessage(90_000)).acknowledged;
      const { total, distinct, offsets } = countSeen(run.nodes);
      const listed = await errorListed(conf);
      const rescheduled = overlappingSchedules(run.nodes);
      faultSummary(`Redis Cluster master SIGKILL, ${label}`, {
        produced: ids.length,
        delivered: distinct.size,
        duplicates: total - offsets,
        errorListed: listed,
        rangesScheduledTwice: rescheduled.length,
        orphansRequeued: run.nodes.reduce((sum, n) => sum + n.report.orphans, 0),
        promotedWithinMs: promotedMs,
        resumedWithinMs: resumedMs,
      });
      expect(distinct.size).toBe(ids.length);
      expect(listed).toBe(0);
    },
  );
});
