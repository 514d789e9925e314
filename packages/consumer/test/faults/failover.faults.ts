import type { KfConfigInput } from '@kf/core';
import {
  kafkaClient,
  type ManagedProcess,
  parseInfo,
  processServing,
  type RedisSentinelInfo,
  startRedisSentinel,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { DEATH_BOUND_MS, RECLAIM_BOUND_MS, WAIT_FACTOR } from '../support/fault-bounds.js';
import { errorEntries, faultSummary } from '../support/fault-kit.js';
import { type FaultRun, RESUMED_AFTER, useFaultRuns } from '../support/fault-runs.js';
import { countSeen } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { type KafkaRedisStack, useKafkaRedis } from '../support/stack.js';

/** Every scenario's run: 4 partitions, and batches paused so the run lasts. */
const RUN = { partitions: 4, rate: 2_000, pauseMs: 2, flowBefore: 4_000 };

// Every wall-clock bound below is configuration plus a stated margin (fault-bounds.ts).
/** The cap of a failed unit's retry backoff (`conf.maxRetryBackoffMs`, default). */
const MAX_RETRY_BACKOFF_MS = 5_000;
/** Kafka's default `broker.session.timeout.ms`, which the devstack keeps: a dead broker is fenced by then. */
const BROKER_SESSION_TIMEOUT_MS = 9_000;
/**
 * A dead active controller is replaced within the quorum's fetch timeout (2 s) and
 * election timeout (1 s), Kafka's defaults, before it can fence the dead broker.
 */
const CONTROLLER_ELECTION_MS = 3_000;

/** Each partition's leader, in-sync replicas and offsets, as the brokers see them now. */
async function partitionsOf(brokers: string[], topic: string): Promise<string> {
  const admin = kafkaClient(brokers, 'kf-faults-diagnose').admin();
  await admin.connect();
  try {
    const [metadata, offsets] = await Promise.all([
      admin.fetchTopicMetadata({ topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    return (metadata.topics[0]?.partitions ?? [])
      .map((p) => {
        const o = offsets.find((x) => x.partition === p.partitionId);
        return `${p.partitionId}: leader ${p.leader} isr [${p.isr}] offsets [${o?.low}, ${o?.high})`;
      })
      .join('; ');
  } finally {
    await admin.disconnect();
  }
}

/** The leader of `partition` as the brokers' metadata says now (-1: none). */
async function leaderOfPartition(
  brokers: string[],
  topic: string,
  partition: number,
): Promise<number> {
  const admin = kafkaClient(brokers, 'kf-faults-admin').admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
  } finally {
    await admin.disconnect();
  }
}

/** The master address each sentinel names now, `host:port`. */
async function mastersNamed(info: RedisSentinelInfo): Promise<string[]> {
  return Promise.all(
    info.sentinels.map((s) =>
      withRedis(s, async (c) => {
        const [host, port] = (await c.call(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          info.masterName,
        )) as [string, string];
        return `${host}:${port}`;
      }),
    ),
  );
}

/** Kills `victim` with SIGKILL: it must be running first and gone within the bound. */
async function killProcess(victim: ManagedProcess): Promise<number> {
  expect(victim.running).toBe(true);
  victim.signal('SIGKILL');
  const killedAt = Date.now();
  await until(waitUntil, () => !victim.running, `${victim.name} gone`, DEATH_BOUND_MS);
  return killedAt;
}

function sentinelConfig(stack: KafkaRedisStack<{ info: RedisSentinelInfo }>, group: string) {
  const sentinel = stack.redis.info;
  return {
    bootstrapBrokers: stack.kafka.info.brokers,
    redis: {
      sentinelAddresses: sentinel.sentinels.map((s) => `${s.host}:${s.port}`),
      masterName: sentinel.masterName,
      groupName: group,
    },
    conf: { useEarliest: true, consumeStep: 500 },
  } satisfies KfConfigInput;
}

/** Three nodes on one group under steady production, for a fault. */
async function startRun(
  runs: ReturnType<typeof useFaultRuns>,
  stack: KafkaRedisStack<unknown>,
  topic: string,
  conf: KfConfigInput,
  truth: 'acknowledged' | 'log',
): Promise<FaultRun> {
  return runs.start({
    topic,
    config: conf,
    truth,
    diagnose: async () =>
      `${await partitionsOf(stack.kafka.info.brokers, topic)}; error list: ${(await errorEntries(conf)).slice(0, 3)}`,
  });
}

/**
 * Fail-over of the servers under a running group: the Redis Sentinel master, and the
 * Kafka broker leading a consumed partition (3 brokers, RF 3, min.insync.replicas=2,
 * acks=-1). Each scenario has its own servers: a Sentinel set that never failed over,
 * and Kafka with every broker. The fault is injected for sure (the process ran, and is
 * gone) and the fail-over observed (Sentinel names the replica, Kafka a new leader);
 * every message produced arrives; consumption resumes within a bound.
 */
describe('faults: fail-over under a running group', { timeout: 300_000 }, () => {
  describe('the Sentinel master', () => {
    const stack = useKafkaRedis({ redis: () => startRedisSentinel(), clientId: 'kf-faults-sent' });
    const runs = useFaultRuns(stack, RUN);
    /**
     * Kill → Sentinel names the replica: `down-after-milliseconds`, then Sentinel's
     * one-second cycles — the others agree it is down, the fail-over leader is elected
     * after a random delay of up to 1 s, the replica is seen in its new role — and a
     * margin of 2 s.
     */
    const promotionBound = () => stack.redis.info.downAfterMs + 3 * 1_000 + 2_000;
    /**
     * Kill → a unit claimed again: the promotion; the adapter reconnects at most
     * `reconnectDelay` later; a worker's claim that failed meanwhile waits at most its
     * pause cap; margin 1 s.
     */
    const resumeBound = () => promotionBound() + RECLAIM_BOUND_MS + 1_000;

    test('the Sentinel master killed with SIGKILL: the replica is promoted and work goes on', async () => {
      const topic = 'faults-sentinel';
      const conf = sentinelConfig(stack, topic);
      const info = stack.redis.info;
      const run = await startRun(runs, stack, topic, conf, 'acknowledged');
      const named = await mastersNamed(info);
      const master = `${info.master.host}:${info.master.port}`;
      // A Sentinel set of its own: it has never failed over.
      expect(named).toEqual(named.map(() => master));
      const victim = await processServing(info.master, stack.redis.processes);
      const before = countSeen(run.nodes).total;
      const killedAt = await killProcess(victim);
      const replica = `${info.replica.host}:${info.replica.port}`;
      await until(
        waitUntil,
        async () => (await mastersNamed(info)).some((a) => a !== master),
        'Sentinel to name a new master',
        WAIT_FACTOR * promotionBound(),
      );
      const promotedMs = Date.now() - killedAt;
      expect((await mastersNamed(info)).filter((a) => a !== master)).toContain(replica);
      const replication = await withRedis(info.replica, async (c) =>
        parseInfo(await c.info('replication')),
      );
      expect(replication.role).toBe('master');
      // Resumed: a unit claimed from the promoted replica.
      const resumedMs = await run.resumed(killedAt, before, resumeBound());
      const { acknowledged, missing, unexpected, errorListed: listed, counts } = await run.drain();
      faultSummary('Sentinel master SIGKILL', {
        ...counts,
        promotedWithinMs: promotedMs,
        resumedWithinMs: resumedMs,
      });
      // Every sentinel follows the new master (the others hear of it within their hello period).
      await until(
        waitUntil,
        async () => (await mastersNamed(info)).every((a) => a === replica),
        'every sentinel to name the replica',
        WAIT_FACTOR * promotionBound(),
      );
      expect(acknowledged.length).toBeGreaterThan(RUN.flowBefore + RESUMED_AFTER);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(unexpected.slice(0, 10)).toEqual([]);
      expect(listed).toBe(0);
      expect(promotedMs).toBeLessThan(promotionBound());
      expect(resumedMs).toBeLessThan(resumeBound());
    });
  });

  describe('the Kafka leader of a partition', () => {
    const stack = useKafkaRedis({
      brokers: 3,
      redis: () => startRedisSentinel(),
      clientId: 'kf-faults-failover',
      idempotent: false,
    });
    const runs = useFaultRuns(stack, RUN);
    /**
     * Kill → the partition has a new leader: the broker's session timeout, plus the
     * election of a new controller when the dead broker was the active one, and a margin
     * of 3 s (metadata propagation, a loaded machine).
     */
    const LEADER_BOUND_MS = BROKER_SESSION_TIMEOUT_MS + CONTROLLER_ELECTION_MS + 3_000;
    /**
     * Kill → the partition delivered again: the new leader; a unit that failed meanwhile
     * is retried within the retry backoff's cap (kf reloads the metadata on NOT_LEADER);
     * margin 2 s.
     */
    const RESUME_BOUND_MS = LEADER_BOUND_MS + MAX_RETRY_BACKOFF_MS + 2_000;

    test('the Kafka leader of the partitions killed: units follow the new leader, nothing lost', async () => {
      const topic = 'faults-kafka-leader';
      const conf = sentinelConfig(stack, topic);
      const brokers = stack.kafka.info.brokers;
      // The producer is kafkajs too: what it acknowledged but the log lost is counted apart.
      const run = await startRun(runs, stack, topic, conf, 'log');
      expect(stack.kafka.processes.map((p) => p.running)).toEqual([true, true, true]);
      const leader = await leaderOfPartition(brokers, topic, 0);
      const victim = stack.kafka.processes.find((p) => p.name === `kafka-${leader}`);
      expect(victim, `a broker process for leader ${leader}`).toBeDefined();
      const before = countSeen(run.nodes).total;
      const killedAt = await killProcess(victim as ManagedProcess);
      const alive = stack.kafka.info.nodes
        .filter((n) => n.nodeId !== leader)
        .map((n) => `${n.host}:${n.port}`);
      let newLeader = leader;
      await until(
        waitUntil,
        async () => {
          newLeader = await leaderOfPartition(alive, topic, 0);
          return newLeader >= 0 && newLeader !== leader;
        },
        'a new leader of partition 0',
        WAIT_FACTOR * LEADER_BOUND_MS,
      );
      const leaderMs = Date.now() - killedAt;
      const leaderSeenAt = Date.now();
      await until(
        waitUntil,
        () =>
          countSeen(run.nodes).total > before + RESUMED_AFTER &&
          run.nodes.some((n) =>
            n.report.batches.some((b) => b.partition === 0 && b.at > leaderSeenAt),
          ),
        'consumption after the fail-over, partition 0 included',
        WAIT_FACTOR * RESUME_BOUND_MS,
      );
      const resumedMs = Math.round(
        Math.min(
          ...run.nodes.flatMap((n) =>
            n.report.batches
              .filter((b) => b.partition === 0 && b.at > leaderSeenAt)
              .map((b) => b.at),
          ),
        ) - killedAt,
      );
      const { acknowledged, expected, missing, errorListed: listed, counts } = await run.drain();
      faultSummary('Kafka partition leader SIGKILL (3 brokers)', {
        produced: counts.produced,
        acknowledgedButNotInLog: acknowledged.length - expected.length,
        delivered: counts.delivered,
        duplicates: counts.duplicates,
        errorListed: listed,
        leader: `${leader} → ${newLeader}`,
        newLeaderWithinMs: leaderMs,
        partition0ResumedWithinMs: resumedMs,
      });
      expect(expected.length).toBeGreaterThan(RUN.flowBefore + RESUMED_AFTER);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(listed).toBe(0);
      expect(leaderMs).toBeLessThan(LEADER_BOUND_MS);
      expect(resumedMs).toBeLessThan(RESUME_BOUND_MS);
    });
  });
});
