import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  kafkaVersion,
  smokeKafka,
  startKafka,
} from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';

describe('Kafka, one KRaft broker', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    // A start on a port another process took is in test/faults/kafka-port-clash.faults.ts.
    kafka = await startKafka({ brokers: 1 });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  test('runs the version pinned in assets/pom.xml, as a combined broker and controller', () => {
    expect(kafka.info.version).toBe(kafkaVersion());
    expect(kafka.info.version).toMatch(/^4\.(\d+)\.\d+$/);
    const config = readFileSync(`${kafka.runDir}/node-1/server.properties`, 'utf8');
    expect(config).toContain('process.roles=broker,controller');
    expect(kafka.info.brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test('kafkajs creates a topic, produces, and reads back with a consumer group', async () => {
    const result = await smokeKafka(kafka.info);
    expect(result.topicCreated).toBe(true);
    expect(result.partitions).toBe(3);
    expect(result.replicas).toBe(1);
    expect([...result.consumed].sort()).toEqual([...result.produced].sort());
    expect(result.groupMembers).toBe(1);
    expect(result.groupState).toBe('Stable');
  });

  test('the topic helper reports an existing topic instead of failing', async () => {
    const topic = `kf-devstack-twice-${Date.now()}`;
    expect(await createTopic(kafka.info.brokers, { topic, partitions: 2 })).toBe(true);
    expect(await createTopic(kafka.info.brokers, { topic, partitions: 2 })).toBe(false);
    const admin = kafkaClient(kafka.info.brokers).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(kafka);
  });
});
