import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createNode, type KfNode } from '../src/index.js';
import { produceIds, tally, until } from './support/produce.js';

describe('createNode on one Redis and one Kafka broker', () => {
  let kafka: KafkaService;
  let redis: RedisSingle;
  let producer: Producer;
  const nodes: KfNode[] = [];
  let groupNo = 0;

  beforeAll(async () => {
    [kafka, redis] = await Promise.all([startKafka({ brokers: 1 }), startRedisSingle()]);
    producer = kafkaClient(kafka.info.brokers, 'kf-node-test').producer();
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close({ timeoutMs: 2_000 })));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all([kafka?.stop(), redis?.stop()]);
  });

  function config(conf: Record<string, unknown> = {}) {
    groupNo += 1;
    return {
      bootstrapBrokers: kafka.info.brokers,
      redis: { host: redis.info.host, port: redis.info.port, groupName: `node-test-${groupNo}` },
      conf: { useEarliest: true, ...conf },
    };
  }

  async function node(conf: ReturnType<typeof config>, topics: string[]): Promise<KfNode> {
    const n = await createNode(conf, topics);
    nodes.push(n);
    return n;
  }

  async function topic(name: string, partitions: number): Promise<string> {
    await createTopic(kafka.info.brokers, { topic: name, partitions });
    return name;
  }

  test('two nodes consume every message of four partitions exactly once', async () => {
    const t = await topic('node-basic', 4);
    const ids = await produceIds(producer, t, { count: 4_000, partitions: 4 });
    const conf = config({ consumeStep: 300 });
    const seen: string[] = [];
    const perNode = new Map<string, number>();
    for (let i = 0; i < 2; i++) {
      const n = await node(conf, [t]);
      await n.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value));
          perNode.set(n.nodeId, (perNode.get(n.nodeId) ?? 0) + 1);
        },
      });
    }
    await until(waitUntil, () => seen.length >= ids.length, 'all messages');
    const { counts, duplicates } = tally(seen);
    expect(counts.size).toBe(ids.length);
    expect(duplicates).toBe(0);
    expect([...perNode.values()].every((c) => c > 0)).toBe(true);
  });
});
