import type { KfConfigInput, RedisConfigInput } from '@kf/core';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSentinel,
  startKafka,
  startRedisSentinel,
  waitUntil,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { faultSummary } from '../support/fault-kit.js';
import { countSeen, type NodeProcess, startNodes } from '../support/node-processes.js';
import { produceInBackground, until } from '../support/produce.js';
import { startTogether } from '../support/start-together.js';

/**
 * Fail-over of the servers under a running group: the Redis Sentinel master, and the
 * Kafka broker leading the consumed partitions (3 brokers, RF 3, min.insync.replicas=2,
 * acks=-1). Every message produced arrives; consumption resumes and the time is reported.
 */
describe('faults: fail-over under a running group', { timeout: 300_000 }, () => {
  let kafka: KafkaService;
  let sentinel: RedisSentinel;
  let producer: Producer;
  let running: NodeProcess[] = [];
  let productions: Array<{ stop(): Promise<string[]> }> = [];

  beforeAll(async () => {
    [kafka, sentinel] = await startTogether(startKafka({ brokers: 3 }), startRedisSentinel());
    // Not idempotent: kafkajs's idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER
    // after a leader fail-over. A retried batch may then be written twice; ids are
    // counted distinct, and kf's duplicates per offset.
    producer = kafkaClient(kafka.info.brokers, 'kf-faults-failover').producer();
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(productions.map((p) => p.stop()));
    productions = [];
    await Promise.all(running.map((n) => n.stop()));
    running = [];
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all([kafka?.stop(), sentinel?.stop()]);
  });

  function config(group: string): KfConfigInput {
    const redis: RedisConfigInput = {
      sentinelAddresses: sentinel.info.sentinels.map((s) => `${s.host}:${s.port}`),
      masterName: sentinel.info.masterName,
      groupName: group,
    };
    return {
      bootstrapBrokers: kafka.info.brokers,
      redis,
      conf: { useEarliest: true, consumeStep: 500 },
    };
  }

  /** Runs a group of 3 under steady production, applies `fault`, and counts. */
  async function underFault(
    name: string,
    topic: string,
    fault: () => Promise<void>,
  ): Promise<void> {
    await createTopic(kafka.info.brokers, { topic, partitions: 4 });
    const conf = config(topic);
    running = await startNodes(3, (i) => ({
      config: conf,
      topics: [topic],
      nodeId: `${topic}-${i}`,
      pauseMs: 2,
    }));
    const production = produceInBackground(producer, topic, { rate: 2_000, partitions: 4 });
    productions.push(production);
    await until(waitUntil, () => countSeen(running).total > 4_000, 'flow before the fault');
    const before = countSeen(running).total;
    const faultAt = Date.now();
    await fault();
    // Consumption resumed: well past what was in flight when the fault hit.
    await until(
      waitUntil,
      () => countSeen(running).total > before + 4_000,
      'consumption after the fault',
      90_000,
    );
    const resumedMs = Date.now() - faultAt;
    const ids = await production.stop();
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= ids.length,
      'every message',
      60_000,
    ).catch((error: unknown) => {
      const seen = countSeen(running).distinct;
      const missing = ids.filter((id) => !seen.has(id));
      const notes = running.flatMap((n) => n.report.errors).slice(-6);
      throw new Error(
        `${error}; missing ${missing.length} (${missing.slice(0, 5)}); last node reports: ${notes.join(' | ')}`,
      );
    });
    const { total, distinct, offsets } = countSeen(running);
    faultSummary(name, {
      produced: ids.length,
      delivered: distinct.size,
      duplicates: total - offsets,
      resumedWithinMs: resumedMs,
    });
    expect(distinct.size).toBe(ids.length);
  }

  test('the Sentinel master killed with SIGKILL: the replica is promoted and work goes on', async () => {
    await underFault('Sentinel master SIGKILL', 'faults-sentinel', async () => {
      sentinel.processes.find((p) => p.name === 'redis-master')?.signal('SIGKILL');
    });
  });

  test('the Kafka leader of the partitions killed: units follow the new leader, nothing lost', async () => {
    await underFault(
      'Kafka partition leader SIGKILL (3 brokers)',
      'faults-kafka-leader',
      async () => {
        const admin = kafkaClient(kafka.info.brokers, 'kf-faults-admin').admin();
        await admin.connect();
        const metadata = await admin.fetchTopicMetadata({ topics: ['faults-kafka-leader'] });
        await admin.disconnect();
        const leader = metadata.topics[0]?.partitions[0]?.leader;
        kafka.processes.find((p) => p.name === `kafka-${leader}`)?.signal('SIGKILL');
      },
    );
  });
});
