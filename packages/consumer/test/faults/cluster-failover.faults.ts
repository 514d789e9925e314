import type { KfConfigInput } from '@kf/core';
import {
  type ClusterNodeInfo,
  masterOf,
  parseInfo,
  processServing,
  type RedisCluster,
  readTopology,
  startRedisCluster,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { DEATH_BOUND_MS, RECLAIM_BOUND_MS, WAIT_FACTOR } from '../support/fault-bounds.js';
import { errorEntries, faultSummary } from '../support/fault-kit.js';
import { RESUMED_AFTER, useFaultRuns } from '../support/fault-runs.js';
import { countSeen, overlappingSchedules } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const WAIT_TIMEOUT_MS = 500;
/** Every scenario's run: 4 partitions, and batches paused so the run lasts. */
const RUN = { partitions: 4, rate: 3_000, pauseMs: 2, flowBefore: 4_000 };

// Every wall-clock bound below is configuration plus a stated margin (fault-bounds.ts).
/**
 * Kill → a replica serves the slot: `cluster-node-timeout` until the master is suspected;
 * about one more until a majority's failure reports have spread by gossip; the replica's
 * election delay (500 ms, plus up to 500 ms at random); a margin of 2 s.
 */
const promotionBound = (nodeTimeoutMs: number) => 2 * nodeTimeoutMs + 500 + 500 + 2_000;
/**
 * Kill → a unit claimed again (the promoted replica answered): the promotion; the
 * adapter retries its connection at most `reconnectDelay` later; a worker's claim that
 * failed meanwhile waits at most its pause cap; a margin of 1 s.
 */
const resumeBound = (nodeTimeoutMs: number) =>
  promotionBound(nodeTimeoutMs) + RECLAIM_BOUND_MS + 1_000;

/**
 * Redis Cluster: the master owning the group's hash slot is killed with SIGKILL mid-run
 * and its replica promoted: once with the replica in step, and twice with the replica
 * cut off for a second before the kill, without and with `conf.waitReplicas`.
 * Replication is asynchronous, so what the master acknowledged in that second is gone
 * after the fail-over. Every message must still arrive; what the lost writes cost
 * (replication bytes, ranges scheduled twice, duplicates, orphans given back) is counted
 * and reported. The cut-off must lose writes, and without `WAIT` a range must be
 * scheduled twice: otherwise the bound `waitReplicas` is held to could not fail. Each
 * scenario runs on a Redis Cluster of its own, every master with its replica.
 */
describe('faults: Redis Cluster master of the group killed', { timeout: 300_000 }, () => {
  // Kafka for the file; each test starts its own Redis Cluster.
  const stack = useKafkaRedis({
    redis: async () => ({ stop: async () => undefined }),
    clientId: 'kf-faults-cluster',
  });
  let cluster: RedisCluster | undefined;
  // Registered before the group runs': after-each hooks run in reverse, so the nodes are
  // stopped before their cluster is.
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  const runs = useFaultRuns(stack, RUN);

  /**
   * Kills the master serving the group with SIGKILL. With `lagMs`, its replica is cut off
   * first: paused (SIGSTOP), then dropped by the master, for `lagMs`, and resumed after
   * the kill. The writes of that stretch were acknowledged by the master and never
   * replicated: what asynchronous replication loses when a replica falls behind.
   * (Pausing alone loses nothing on loopback: the kernel buffers the replication stream
   * for the paused replica.) Resolves with the dead master, its replica, how far the
   * master had written in the replication stream, and when it was killed.
   */
  async function killMasterOf(
    redis: RedisCluster,
    group: string,
    lagMs: number,
  ): Promise<{ master: ClusterNodeInfo; replica: ClusterNodeInfo; written: number; at: number }> {
    const seed = redis.info.nodes[0] as ClusterNodeInfo;
    const { master } = await masterOf(seed, `kf:{${group}}:work`);
    const victim = await processServing(master, redis.processes);
    const replica = (await readTopology(seed)).find((n) => n.masterId === master.id);
    if (!replica) throw new Error(`master ${master.port} has no replica`);
    const replicaProcess = await processServing(replica, redis.processes);
    expect(victim.running).toBe(true);
    if (lagMs > 0) {
      replicaProcess.signal('SIGSTOP');
      await withRedis(master, (c) => c.call('CLIENT', 'KILL', 'TYPE', 'replica'));
      await new Promise((r) => setTimeout(r, lagMs));
    }
    const written = replication(await withRedis(master, (c) => c.info('replication')));
    victim.signal('SIGKILL');
    const at = Date.now();
    replicaProcess.signal('SIGCONT');
    await until(waitUntil, () => !victim.running, `${victim.name} gone`, DEATH_BOUND_MS);
    return { master, replica, written: written.offset, at };
  }

  test.each([
    { waitReplicas: 0, lagMs: 0, label: 'without WAIT' },
    { waitReplicas: 0, lagMs: 1_000, label: 'without WAIT, replica cut off 1 s' },
    { waitReplicas: 1, lagMs: 1_000, label: 'waitReplicas 1, replica cut off 1 s' },
  ])(
    '$label: the replica is promoted, work resumes, nothing is lost',
    async ({ waitReplicas, lagMs, label }) => {
      cluster = await startRedisCluster();
      const redis = cluster;
      const nodeTimeoutMs = redis.info.nodeTimeoutMs;
      const seed = redis.info.nodes[0] as ClusterNodeInfo;
      const topic = `faults-cluster-wait-${waitReplicas}-lag-${lagMs}`;
      const group = topic;
      const conf: KfConfigInput = {
        bootstrapBrokers: stack.kafka.info.brokers,
        redis: { host: redis.info.nodes.map((n) => `${n.host}:${n.port}`), groupName: group },
        conf: { useEarliest: true, consumeStep: 500, waitReplicas, waitTimeoutMs: WAIT_TIMEOUT_MS },
      };
      const run = await runs.start({
        topic,
        config: conf,
        withLeader: true,
        diagnose: async () => `error list: ${(await errorEntries(conf)).slice(0, 3)}`,
      });
      const before = countSeen(run.nodes).total;
      const killed = await killMasterOf(redis, group, lagMs);
      // The seed may be the dead master: ask a node that is alive.
      const alive = redis.info.nodes.find((n) => n.port !== killed.master.port) ?? seed;
      await until(
        waitUntil,
        async () =>
          (await masterOf(alive, `kf:{${group}}:work`)).master.port !== killed.master.port,
        'a replica promoted',
        WAIT_FACTOR * promotionBound(nodeTimeoutMs),
      );
      const promotedMs = Date.now() - killed.at;
      // The promoted replica marks where its old master's stream ended for it.
      const { master: promoted } = await masterOf(alive, `kf:{${group}}:work`);
      expect(promoted.port).toBe(killed.replica.port);
      const received = replication(await withRedis(promoted, (c) => c.info('replication')));
      const bytesLost = Math.max(0, killed.written - received.promotedAt);
      // Resumed: a unit claimed from the promoted replica.
      const resumedMs = await run.resumed(killed.at, before, resumeBound(nodeTimeoutMs));
      const { acknowledged, missing, unexpected, errorListed: listed, counts } = await run.drain();
      const rescheduled = overlappingSchedules(run.nodes);
      faultSummary(`Redis Cluster master SIGKILL, ${label}`, {
        ...counts,
        replicationBytesLost: bytesLost,
        rangesScheduledTwice: rescheduled.length,
        orphansRequeued: run.nodes.reduce((sum, n) => sum + n.report.orphans, 0),
        promotedWithinMs: promotedMs,
        resumedWithinMs: resumedMs,
      });
      expect(acknowledged.length).toBeGreaterThan(RUN.flowBefore + RESUMED_AFTER);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(unexpected.slice(0, 10)).toEqual([]);
      expect(listed).toBe(0);
      expect(promotedMs).toBeLessThan(promotionBound(nodeTimeoutMs));
      expect(resumedMs).toBeLessThan(resumeBound(nodeTimeoutMs));
      if (lagMs > 0) {
        // The cut-off lost acknowledged writes: what the scenario is about.
        expect(bytesLost).toBeGreaterThan(0);
      }
      if (lagMs > 0 && waitReplicas === 0) {
        // Without WAIT a lost schedule is made again: the cost `waitReplicas` bounds.
        expect(rescheduled.length).toBeGreaterThan(0);
      }
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
