import type { KfConfigInput } from '@kf/core';
import {
  masterOf,
  parseInfo,
  processServing,
  type RedisCluster,
  readTopology,
  startRedisCluster,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { errorEntries, errorListed, faultSummary } from '../support/fault-kit.js';
import { useGroupRuns } from '../support/group-run.js';
import { countSeen, overlappingSchedules } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const WAIT_TIMEOUT_MS = 500;

/**
 * Redis Cluster: the master owning the group's hash slot is killed with SIGKILL mid-run
 * and its replica promoted: once with the replica in step, and twice with the replica
 * cut off for a second before the kill, without and with `conf.waitReplicas`.
 * Replication is asynchronous, so what the master acknowledged in that second is gone
 * after the fail-over. Every message must still arrive; what the lost writes cost
 * (replication bytes, ranges scheduled twice, duplicates, orphans given back) is counted
 * and reported.
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
   * Kills the master serving the group with SIGKILL. With `lagMs`, its replica is cut off
   * first: paused (SIGSTOP), then dropped by the master, for `lagMs`, and resumed after
   * the kill. The writes of that stretch were acknowledged by the master and never
   * replicated: what asynchronous replication loses when a replica falls behind.
   * (Pausing alone loses nothing on loopback: the kernel buffers the replication stream
   * for the paused replica.) Resolves with the dead master's port and how far it had
   * written in the replication stream.
   */
  async function killMasterOf(
    group: string,
    lagMs: number,
  ): Promise<{ port: number; written: number }> {
    const cluster = stack.redis;
    const { master } = await masterOf(seed(cluster), `kf:{${group}}:work`);
    const victim = await processServing(master, cluster.processes);
    const replica = (await readTopology(seed(cluster))).find(
      (n) => n.masterId === master.id && !killed.includes(n.port),
    );
    if (!replica) throw new Error(`master ${master.port} has no live replica`);
    const replicaProcess = await processServing(replica, cluster.processes);
    if (lagMs > 0) {
      replicaProcess.signal('SIGSTOP');
      await withRedis(master, (c) => c.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await new Promise((r) => setTimeout(r, lagMs));
    }
    const written = replication(await withRedis(master, (c) => c.info('replication')));
    killed.push(master.port);
    victim.signal('SIGKILL');
    replicaProcess.signal('SIGCONT');
    return { port: master.port, written: written.offset };
  }

  test.each([
    { waitReplicas: 0, lagMs: 0, label: 'without WAIT' },
    { waitReplicas: 0, lagMs: 1_000, label: 'without WAIT, replica cut off 1 s' },
    { waitReplicas: 1, lagMs: 1_000, label: 'waitReplicas 1, replica cut off 1 s' },
  ])(
    '$label: the replica is promoted, work resumes, nothing is lost',
    async ({ waitReplicas, lagMs, label }) => {
      const topic = `faults-cluster-wait-${waitReplicas}-lag-${lagMs}`;
      const group = await groupWithLiveReplica(topic);
      const conf: KfConfigInput = {
        bootstrapBrokers: stack.kafka.info.brokers,
        redis: { host: stack.redis.info.nodes.map((n) => `${n.host}:${n.port}`), groupName: group },
        conf: { useEarliest: true, consumeStep: 500, waitReplicas, waitTimeoutMs: WAIT_TIMEOUT_MS },
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
      const { port, written } = await killMasterOf(group, lagMs);
      const killedAt = Date.now();
      await until(
        waitUntil,
        async () => (await masterOf(seed(stack.redis), `kf:{${group}}:work`)).master.port !== port,
        'a replica promoted',
        30_000,
      );
      const promotedMs = Date.now() - killedAt;
      // The promoted replica marks where its old master's stream ended for it.
      const { master: promoted } = await masterOf(seed(stack.redis), `kf:{${group}}:work`);
      const received = replication(await withRedis(promoted, (c) => c.info('replication')));
      const bytesLost = Math.max(0, written - received.promotedAt);
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
        replicationBytesLost: bytesLost,
        rangesScheduledTwice: rescheduled.length,
        orphansRequeued: run.nodes.reduce((sum, n) => sum + n.report.orphans, 0),
        promotedWithinMs: promotedMs,
        resumedWithinMs: resumedMs,
      });
      expect(distinct.size).toBe(ids.length);
      expect(listed).toBe(0);
      if (waitReplicas > 0) {
        // A write short of its replicas ends the tick: at most one unreplicated schedule
        // per wait while the replica is cut off, however many partitions have news.
        expect(rescheduled.length).toBeLessThanOrEqual(Math.ceil(lagMs / WAIT_TIMEOUT_MS) + 1);
      }
    },
  );
});

/**
 * A server's place in the replication stream: `offset`, how far it got; `promotedAt`,
 * for a promoted replica, how far it had got in its old master's stream.
 */
function replication(info: string): { offset: number; promotedAt: number } {
  const fields = parseInfo(info);
  return {
    offset: Number(fields.master_repl_offset ?? 0),
    promotedAt: Number(fields.second_repl_offset ?? 0) - 1,
  };
}
