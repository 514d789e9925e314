import { createTopic, kafkaClient, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { silentLogger } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import type { PartitionsAddedEvent } from '../src/index.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, tally, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

describe('partitions added to a topic while the group runs', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-added-test' });
  const { config, node } = useGroupNodes(stack, { prefix: 'added-test' });

  /** Grows `topic` to `count` partitions and waits until each has a leader. */
  async function growTo(topic: string, count: number): Promise<void> {
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-added-test-admin').admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count }] });
      await until(
        waitUntil,
        async () => {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = topics[0]?.partitions ?? [];
          return partitions.length === count && partitions.every((p) => p.leader >= 0);
        },
        `${topic} grown to ${count} partitions`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A producer with fresh metadata (the stack's would not know the new partitions yet),
   * idempotent as the stack's: a send retried while new partitions get their leaders
   * must not write a batch twice, or the log itself holds duplicates.
   */
  function freshProducer() {
    return kafkaClient(stack.kafka.info.brokers, 'kf-added-test-fresh').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  async function produceFresh(topic: string, count: number, partitions: number, start: number) {
    const producer = freshProducer();
    await producer.connect();
    try {
      return await produceIds(producer, topic, { count, partitions, start });
    } finally {
      await producer.disconnect();
    }
  }

  test('a topic grown from 2 to 6 partitions is consumed whole, the new partitions from their earliest offset, and reported', async () => {
    const topic = 'grown';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 2 });
    // useEarliest off: the new partitions must still be read from their start.
    const conf = config({ useEarliest: false, metadataMaxAgeMs: 1_000, consumeStep: 20 });
    const logged: string[] = [];
    const logger = {
      ...silentLogger,
      info: (_: object, message: string) => void logged.push(message),
      warn: (_: object, message: string) => void logged.push(message),
    };
    const n = await node(conf, [topic], { logger });
    const added: PartitionsAddedEvent[] = [];
    n.on('partitionsAdded', (e) => added.push(e));
    const seen: string[] = [];
    const delivered: string[] = [];
    await n.run({
      eachMessage: async ({ message }) => {
        seen.push(String(message.value));
        delivered.push(`${message.partition}/${message.offset}`);
      },
    });
    // The group starts at the end of both partitions before anything is produced.
    const offsetsKey = `kf:{${conf.redis.groupName}}:offsets`;
    await until(
      waitUntil,
      async () => (await withRedis(stack.redis.info, (c) => c.hlen(offsetsKey))) === 2,
      'the start of both partitions recorded',
    );

    const before = await produceIds(stack.producer, topic, { count: 100, partitions: 2 });
    await growTo(topic, 6);
    const after = await produceFresh(topic, 300, 6, 100); // 50 to each of the 6
    const producedAt = Date.now();

    // A refresh at most metadataMaxAgeMs after the growth, the next tick to schedule
    // the new partitions, a tick for their units to be claimed; 5 s margin for fetching
    // and handling 400 small messages on a loaded test machine.
    const boundMs = 1_000 + 2 * 100 + 5_000;
    await until(waitUntil, () => seen.length >= 400, 'all 400 messages', boundMs).catch(
      (error: unknown) => {
        const perPartition = new Map<number, number>();
        for (const id of seen) {
          const i = Number(id.split('-').pop());
          const p = i < 100 ? i % 2 : i % 6;
          perPartition.set(p, (perPartition.get(p) ?? 0) + 1);
        }
        throw new Error(
          `${seen.length} of 400 consumed within ${boundMs} ms of the last send; by partition: ${JSON.stringify(Object.fromEntries(perPartition))}`,
          { cause: error },
        );
      },
    );
    expect(Date.now() - producedAt).toBeLessThanOrEqual(boundMs);
    // Once per offset (kf's guarantee), and every id produced.
    expect(tally(delivered).duplicates).toBe(0);
    const { counts } = tally(seen);
    expect([...counts.keys()].sort()).toEqual([...before, ...after].sort());
    expect(added).toEqual([
      {
        topic,
        partitions: [2, 3, 4, 5].map((partition) => ({ partition, from: 0 })),
      },
    ]);
    expect(logged.filter((m) => /partitions? added/.test(m))).toHaveLength(1);
    expect(await n.errors.count()).toBe(0);
  });

  async function deleteTopic(topic: string): Promise<void> {
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-added-test-admin').admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
      await until(
        waitUntil,
        async () => !(await admin.listTopics()).includes(topic),
        `${topic} deleted`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  test("a topic deleted from under the group hides no other topic's added partitions", async () => {
    const doomed = 'doomed';
    const healthy = 'healthy';
    await createTopic(stack.kafka.info.brokers, { topic: doomed, partitions: 1 });
    await createTopic(stack.kafka.info.brokers, { topic: healthy, partitions: 2 });
    const maxAgeMs = 1_000;
    const n = await node(config({ useEarliest: true, metadataMaxAgeMs: maxAgeMs }), [
      doomed,
      healthy,
    ]);
    const seen = new Set<string>();
    await n.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    const first = await produceIds(stack.producer, healthy, { count: 20, partitions: 2 });
    await until(waitUntil, () => first.every((id) => seen.has(id)), 'both topics under way');
    await deleteTopic(doomed);
    await n.removeTopics([doomed]);
    await growTo(healthy, 4);
    const later = await produceFresh(healthy, 40, 4, 20);
    // A reload at most metadataMaxAgeMs after the growth, a tick to schedule, and 5 s
    // margin for fetching and handling 40 small messages on a loaded machine.
    await until(
      waitUntil,
      () => later.every((id) => seen.has(id)),
      'the added partitions of the topic that stayed',
      maxAgeMs + 2 * 100 + 5_000,
    );
    expect(await n.errors.count()).toBe(0);
  });

  test('the only topic of a group, recreated with fewer partitions, is consumed again', async () => {
    const topic = 'shrunk';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 4 });
    const conf = config({ useEarliest: true, metadataMaxAgeMs: 1_000 });
    const n = await node(conf, [topic]);
    const seen = new Set<string>();
    await n.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    const offsetsKey = `kf:{${conf.redis.groupName}}:offsets`;
    await until(
      waitUntil,
      async () => (await withRedis(stack.redis.info, (c) => c.hlen(offsetsKey))) === 4,
      'the start of the four partitions recorded',
    );
    await deleteTopic(topic);
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 2 });
    const ids = await produceFresh(topic, 40, 2, 0);
    await until(waitUntil, () => ids.every((id) => seen.has(id)), 'every message of the new topic');
  });

  test('a unit naming a partition the node has not loaded metadata for is consumed, not error-listed', async () => {
    const topic = 'late-partition';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    await produceIds(stack.producer, topic, { count: 5, partitions: 1 });
    // No topic for the organiser: the units below are the only work, so nothing but
    // the worker's own lookup can load metadata for the new partition.
    const conf = config({ metadataMaxAgeMs: 600_000 });
    const n = await node(conf, []);
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    const unit = (partition: number) =>
      JSON.stringify({
        id: `${topic}/${partition}/0`,
        topic,
        partition,
        offset: 0,
        len: 5,
        attempts: 0,
        ts: 1,
      });
    const workKey = `kf:{${conf.redis.groupName}}:work`;
    await withRedis(stack.redis.info, (c) => c.lpush(workKey, unit(0)));
    await until(waitUntil, () => seen.length === 5, 'partition 0 (its metadata is now cached)');

    await growTo(topic, 2);
    const producer = freshProducer();
    await producer.connect();
    const late = Array.from({ length: 5 }, (_, i) => `${topic}-p1-${i}`);
    await producer.send({
      topic,
      acks: -1,
      messages: late.map((id) => ({ partition: 1, key: id, value: id })),
    });
    await producer.disconnect();
    await withRedis(stack.redis.info, (c) => c.lpush(workKey, unit(1)));
    await until(
      waitUntil,
      async () => seen.length === 10 || (await n.errors.count()) > 0,
      'the unit of partition 1 consumed or error-listed',
    );
    const listed = await n.errors.list();
    expect(listed.map((e) => `${e.reason}: ${e.detail}`)).toEqual([]);
    expect(seen.slice(5)).toEqual(late);
  });
});
