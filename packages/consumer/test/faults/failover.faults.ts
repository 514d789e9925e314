import type { KfConfigInput } from '@kf/core';
import { kafkaClient, startRedisSentinel, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { errorEntries, errorListed, faultSummary } from '../support/fault-kit.js';
import { useGroupRuns } from '../support/group-run.js';
import { countSeen } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

/**
 * Fail-over of the servers under a running group: the Redis Sentinel master, and the
 * Kafka broker leading the consumed partitions (3 brokers, RF 3, min.insync.replicas=2,
 * acks=-1). Every message produced arrives; consumption resumes and the time is reported.
 */
describe('faults: fail-over under a running group', { timeout: 300_000 }, () => {
  const stack = useKafkaRedis({
    brokers: 3,
    redis: () => startRedisSentinel(),
    clientId: 'kf-faults-failover',
    idempotent: false,
  });
  const runs = useGroupRuns(stack);

  function config(group: string): KfConfigInput {
    const sentinel = stack.redis.info;
    return {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: {
        sentinelAddresses: sentinel.sentinels.map((s) => `${s.host}:${s.port}`),
        masterName: sentinel.masterName,
        groupName: group,
      },
      conf: { useEarliest: true, consumeStep: 500 },
    };
  }

  /** Each partition's leader, in-sync replicas and offsets, as the brokers see them now. */
  async function partitionsOf(topic: string): Promise<string> {
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-faults-diagnose').admin();
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

  /** Runs a group of 3 under steady production, applies `fault`, and counts. */
  async function underFault(
    name: string,
    topic: string,
    fault: () => Promise<void>,
    truth: 'acknowledged' | 'log' = 'acknowledged',
  ): Promise<void> {
    const conf = config(topic);
    const run = await runs.start({
      topic,
      partitions: 4,
      config: conf,
      rate: 2_000,
      pauseMs: 2,
      flowBefore: 4_000,
      truth,
      diagnose: async () =>
        `${await partitionsOf(topic)}; error list: ${(await errorEntries(conf)).slice(0, 3)}`,
    });
    const before = countSeen(run.nodes).total;
    const faultAt = Date.now();
    await fault();
    // Consumption resumed: well past what was in flight when the fault hit.
    await until(
      waitUntil,
      () => countSeen(run.nodes).total > before + 4_000,
      'consumption after the fault',
      90_000,
    );
    const resumedMs = Date.now() - faultAt;
    const { acknowledged, expected } = await run.everyMessage(60_000);
    const { total, distinct, offsets } = countSeen(run.nodes);
    const listed = await errorListed(conf);
    faultSummary(name, {
      produced: acknowledged.length,
      ...(truth === 'log'
        ? { acknowledgedButNotInLog: acknowledged.length - expected.length }
        : {}),
      delivered: distinct.size,
      duplicates: total - offsets,
      errorListed: listed,
      resumedWithinMs: resumedMs,
    });
    expect(expected.filter((id) => !distinct.has(id))).toEqual([]);
    expect(listed).toBe(0);
  }

  test('the Sentinel master killed with SIGKILL: the replica is promoted and work goes on', async () => {
    await underFault('Sentinel master SIGKILL', 'faults-sentinel', async () => {
      stack.redis.processes.find((p) => p.name === 'redis-master')?.signal('SIGKILL');
    });
  });

  test('the Kafka leader of the partitions killed: units follow the new leader, nothing lost', async () => {
    const topic = 'faults-kafka-leader';
    await underFault(
      'Kafka partition leader SIGKILL (3 brokers)',
      topic,
      async () => {
        const admin = kafkaClient(stack.kafka.info.brokers, 'kf-faults-admin').admin();
        await admin.connect();
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        await admin.disconnect();
        const leader = metadata.topics[0]?.partitions[0]?.leader;
        stack.kafka.processes.find((p) => p.name === `kafka-${leader}`)?.signal('SIGKILL');
      },
      // The producer is kafkajs too: what it acknowledged but the log lost is counted apart.
      'log',
    );
  });
});
