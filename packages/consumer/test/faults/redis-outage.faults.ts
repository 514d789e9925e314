import type { KfConfigInput } from '@kf/core';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  waitUntil,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorListed, faultSummary } from '../support/fault-kit.js';
import { countSeen, type NodeProcess, startNodes } from '../support/node-processes.js';
import { produceInBackground, until } from '../support/produce.js';
import { startTogether } from '../support/start-together.js';

const OUTAGE_MS = 30_000;

/**
 * Redis goes away for 30 s (the single server stopped, then restarted on its AOF) while
 * messages keep arriving in Kafka: no node crashes, consumption resumes once Redis is
 * back, and nothing is lost.
 */
describe('faults: Redis unavailable', () => {
  let kafka: KafkaService;
  let redis: RedisSingle;
  let producer: Producer;
  let running: NodeProcess[] = [];

  beforeAll(async () => {
    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
    producer = kafkaClient(kafka.info.brokers, 'kf-faults-outage').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(running.map((n) => n.stop()));
    await producer?.disconnect();
    await Promise.all([kafka?.stop(), redis?.stop()]);
  });

  test('30 s without Redis: no node crashes, work resumes, nothing lost', async () => {
    const topic = 'faults-redis-outage';
    await createTopic(kafka.info.brokers, { topic, partitions: 4 });
    const conf: KfConfigInput & { redis: { groupName: string } } = {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: 'faults-outage' },
      conf: { useEarliest: true, consumeStep: 500, leaseTtlMs: 2_000 },
    };
    running = await startNodes(3, (i) => ({
      config: conf,
      topics: [topic],
      nodeId: `${topic}-${i}`,
      pauseMs: 2,
    }));
    const production = produceInBackground(producer, topic, { rate: 2_000, partitions: 4 });
    await until(waitUntil, () => countSeen(running).total > 4_000, 'flow before the outage');
    await redis.stopServer();
    const seenAtStop = countSeen(running).total;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const seenDuring = countSeen(running).total - seenAtStop;
    await redis.startServer();
    const backAt = Date.now();
    await until(
      waitUntil,
      () => countSeen(running).total > seenAtStop + seenDuring,
      'consumption again',
      60_000,
    );
    const resumedAfterMs = Date.now() - backAt;
    const ids = await production.stop();
    await until(
      waitUntil,
      () => countSeen(running).distinct.size >= ids.length,
      'every message',
      120_000,
    );
    const { total, distinct, offsets } = countSeen(running);
    const listed = await errorListed(redis.info, conf);
    faultSummary('Redis stopped 30 s, restarted on its AOF', {
      produced: ids.length,
      delivered: distinct.size,
      duplicates: total - offsets,
      errorListed: listed,
      handledDuringOutage: seenDuring,
      resumedAfterMs,
      nodeErrorsReported: running.reduce((sum, n) => sum + n.report.errors.length, 0),
    });
    expect(distinct.size).toBe(ids.length);
    expect(listed).toBe(0);
    // Every node process is still alive: none exited during or after the outage.
    for (const n of running)
      expect(await Promise.race([n.report.exit, Promise.resolve('alive')])).toBe('alive');
  });
});
