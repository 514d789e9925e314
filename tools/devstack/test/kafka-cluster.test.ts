import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KafkaService, kafkaClient, smokeKafka, startKafka } from '../src/index.js';
import { stopAndExpectGone } from './support/expect-stopped.js';
import { type PortThief, takePickedPorts } from './support/take-picked-ports.js';

describe('Kafka, three KRaft brokers', () => {
  let kafka: KafkaService;
  let thief: PortThief;
  beforeAll(async () => {
    // Started the hard way: in the first attempt another process takes broker 3's
    // controller port (the last picked) during the storage format, so one broker of
    // three fails to bind and the two others must be stopped; the second attempt must
    // go through. (A controller port, as in kafka.test.ts: it fails in seconds.)
    thief = takePickedPorts((ports, pick) => (pick === 1 ? [ports[5] as number] : []));
    try {
      kafka = await startKafka({ brokers: 3 });
    } finally {
      thief.stopTaking();
    }
  });
  afterAll(async () => {
    await kafka?.stop();
    await thief?.release();
  });

  test('started on new ports after another process took a port it picked first', () => {
    expect(thief.picks).toHaveLength(2);
    expect(thief.taken).toEqual([thief.picks[0]?.[5]]);
    const ports = kafka.info.nodes.flatMap((n) => [n.port, n.controllerPort]).sort();
    expect(ports).toEqual(thief.picks[1]?.slice().sort());
    expect(thief.holding()).toEqual(thief.taken);
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
