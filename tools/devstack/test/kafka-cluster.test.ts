import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KafkaService, kafkaClient, smokeKafka, startKafka } from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';

describe('Kafka, three KRaft brokers', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    // A start on a port another process took is in test/faults/kafka-port-clash.faults.ts.
    kafka = await startKafka({ brokers: 3 });
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  test('forms one cluster of 3 brokers with an elected controller', async () => {
    const admin = kafkaClient(kafka.info.brokers).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);
      expect([1, 2, 3]).toContain(cluster.controller);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: '1',
            configNames: ['min.insync.replicas', 'default.replication.factor'],
          },
        ],
      });
      const entries = Object.fromEntries(
        (configs.resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
      );
      expect(entries).toEqual({ 'min.insync.replicas': '2', 'default.replication.factor': '3' });
    } finally {
      await admin.disconnect();
    }
  });

  test('kafkajs creates a replicated topic, produces with acks=-1, and a group reads it back', async () => {
    const result = await smokeKafka(kafka.info);
    expect(result.topicCreated).toBe(true);
    expect(result.replicas).toBe(3);
    expect([...result.consumed].sort()).toEqual([...result.produced].sort());
    expect(result.groupMembers).toBe(1);
  });

  test('stops cleanly, leaving no process and no run directory', async () => {
    await stopAndExpectGone(kafka);
  });
});
