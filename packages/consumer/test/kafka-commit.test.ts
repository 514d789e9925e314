import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  createTopic,
  kafkaClient,
  runKafkaTool,
  startRedisSingle,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { silentLogger } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { createKafkaAccess, type OffsetsMovedEvent } from '../src/index.js';
import { gate } from './support/gates.js';
import { keysOf } from './support/group-keys.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

interface DescribedPartition {
  partition: number;
  current: number | undefined;
  logEnd: number;
  lag: number | undefined;
}

describe('progress committed to a Kafka consumer group', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-commit-test' });
  const { config, node } = useGroupNodes(stack, { prefix: 'commit-test' });

  /** `kafka-consumer-groups --describe`, Kafka's own tool, parsed by its header. */
  async function describeGroup(groupId: string, topic: string): Promise<DescribedPartition[]> {
    const out = await runKafkaTool('kafka-consumer-groups', [
      '--bootstrap-server',
      stack.kafka.info.brokers[0] as string,
      '--describe',
      '--group',
      groupId,
    ]);
    const lines = out.split('\n').map((l) => l.trim().split(/\s+/));
    const header = lines.find((cells) => cells[0] === 'GROUP');
    if (header === undefined) throw new Error(`no table in:\n${out}`);
    const column = (row: string[], name: string) => row[header.indexOf(name)] as string;
    const number = (cell: string) => (cell === '-' ? undefined : Number(cell));
    return lines
      .filter((row) => row[0] === groupId && column(row, 'TOPIC') === topic)
      .map((row) => ({
        partition: Number(column(row, 'PARTITION')),
        current: number(column(row, 'CURRENT-OFFSET')),
        logEnd: Number(column(row, 'LOG-END-OFFSET')),
        lag: number(column(row, 'LAG')),
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * Commits offsets to `groupId` with Kafka's own tool (`--reset-offsets --from-file`), as
   * an operator, or the app that used the group, would have.
   */
  async function seedGroup(groupId: string, rows: Array<[string, number, number]>) {
    const file = join(mkdtempSync(join(tmpdir(), 'kf-commit-')), 'offsets.csv');
    writeFileSync(file, `${rows.map((row) => row.join(',')).join('\n')}\n`);
    await runKafkaTool('kafka-consumer-groups', [
      '--bootstrap-server',
      stack.kafka.info.brokers[0] as string,
      '--group',
      groupId,
      '--reset-offsets',
      '--from-file',
      file,
      '--execute',
    ]);
    rmSync(dirname(file), { recursive: true, force: true });
  }

  /** What the group committed, read with kafkajs's admin client (not kf's code). */
  async function committed(groupId: string, topic: string): Promise<Record<number, number>> {
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-commit-test-admin').admin();
    await admin.connect();
    try {
      const [found] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Object.fromEntries(
        (found?.partitions ?? [])
          .filter((p) => p.offset !== '-1')
          .map((p) => [p.partition, Number(p.offset)]),
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The completed watermark read by hand from Redis: the lowest pending start, else the
   * saved offset, per partition with a saved offset.
   */
  async function watermarks(groupName: string, topic: string): Promise<Record<number, number>> {
    const keys = keysOf(groupName);
    return withRedis(stack.redis.info, async (redis) => {
      const saved = await redis.hgetall(keys.offsets);
      const result: Record<number, number> = {};
      for (const [field, offset] of Object.entries(saved)) {
        const [fieldTopic, partition] = field.split('/');
        if (fieldTopic !== topic) continue;
        const lowest = await redis.zrange(
          keys.pending(topic, Number(partition)),
          '0',
          '0',
          'WITHSCORES',
        );
        const scheduled = Number(offset);
        result[Number(partition)] =
          lowest[1] === undefined ? scheduled : Math.min(Number(lowest[1]), scheduled);
      }
      return result;
    });
  }

  test("Kafka's kafka-consumer-groups shows kf's completed watermark as CURRENT-OFFSET and log end minus it as LAG, while running and once drained", async () => {
    const topic = 'commit-progress';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 3 });
    await produceIds(stack.producer, topic, { count: 60, partitions: 3 });
    const conf = config({ useEarliest: true, consumeStep: 5, commitIntervalMs: 200 });
    const groupId = conf.redis.groupName;
    // Partition 1 stops at offset 10: its unit [10,15) stays pending, the rest completes.
    const held = gate();
    const n = await node(conf, [topic]);
    await n.run({
      eachMessage: async ({ message }) => {
        if (message.partition === 1 && message.offset >= 10) await held.opened;
      },
    });
    const stuck = { 0: 20, 1: 10, 2: 20 };
    await until(
      waitUntil,
      async () => sameOffsets(await watermarks(groupId, topic), stuck),
      'watermarks 20/10/20',
    );
    await until(
      waitUntil,
      async () => sameOffsets(await committed(groupId, topic), stuck),
      'watermarks committed to Kafka',
    );
    expect(await describeGroup(groupId, topic)).toEqual([
      { partition: 0, current: 20, logEnd: 20, lag: 0 },
      { partition: 1, current: 10, logEnd: 20, lag: 10 },
      { partition: 2, current: 20, logEnd: 20, lag: 0 },
    ]);

    held.open();
    const drained = { 0: 20, 1: 20, 2: 20 };
    await until(
      waitUntil,
      async () => sameOffsets(await committed(groupId, topic), drained),
      'drained watermarks committed to Kafka',
    );
    expect(await describeGroup(groupId, topic)).toEqual([
      { partition: 0, current: 20, logEnd: 20, lag: 0 },
      { partition: 1, current: 20, logEnd: 20, lag: 0 },
      { partition: 2, current: 20, logEnd: 20, lag: 0 },
    ]);
  });

  test('the last progress is committed on close, without waiting for the interval', async () => {
    const topic = 'commit-on-close';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    await produceIds(stack.producer, topic, { count: 10, partitions: 1 });
    // An interval far longer than the test: after the first commit of the term, only the
    // close can commit again.
    const conf = config({ useEarliest: true, consumeStep: 5, commitIntervalMs: 600_000 });
    const groupId = conf.redis.groupName;
    const n = await node(conf, [topic]);
    const last = gate();
    let seen = 0;
    await n.run({
      eachMessage: async ({ message }) => {
        if (message.offset === 9) await last.opened;
        seen += 1;
      },
    });
    // The term's first commit; offset 9 is held, so it is at most 5 (unit [5,10) pending).
    await until(
      waitUntil,
      async () => (await committed(groupId, topic))[0] !== undefined,
      'a commit',
    );
    const first = (await committed(groupId, topic))[0] as number;
    expect(first).toBeLessThanOrEqual(5);
    last.open();
    await until(
      waitUntil,
      async () => sameOffsets(await watermarks(groupId, topic), { 0: 10 }),
      'all 10 completed',
    );
    expect(seen).toBe(10);
    expect(await committed(groupId, topic)).toEqual({ 0: first });
    await n.close();
    expect(await committed(groupId, topic)).toEqual({ 0: 10 });
  });

  test('an app moving from a Kafka consumer group keeps its place: committed offsets start partitions with nothing saved; below the log start, the earliest, reported', async () => {
    const topic = 'commit-migrate';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 3 });
    await produceIds(stack.producer, topic, { count: 30, partitions: 3 });
    const legacy = `legacy-${Date.now()}`;
    // Partition 0 committed at 4; partition 1 at 2, then its records below 5 deleted (as
    // retention would); partition 2 never committed (useEarliest off: it starts at its end).
    await seedGroup(legacy, [
      [topic, 0, 4],
      [topic, 1, 2],
    ]);
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-commit-test-admin').admin();
    await admin.connect();
    try {
      // kafkajs's admin finds the partition's leader in metadata it must have loaded.
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '5' }] });
    } finally {
      await admin.disconnect();
    }
    const logged: string[] = [];
    const logger = { ...silentLogger, info: (_: object, m: string) => void logged.push(m) };
    const conf = { ...config({ useEarliest: false }), kafka: { groupId: legacy } };
    const n = await node(conf, [topic], { logger });
    const moved: OffsetsMovedEvent[] = [];
    n.on('offsetsMoved', (e) => moved.push(e));
    const delivered: string[] = [];
    await n.run({
      eachMessage: async ({ message }) =>
        void delivered.push(`${message.partition}/${message.offset}`),
    });
    const expected = [
      ...[4, 5, 6, 7, 8, 9].map((o) => `0/${o}`),
      ...[5, 6, 7, 8, 9].map((o) => `1/${o}`),
    ];
    await until(waitUntil, () => delivered.length >= expected.length, 'the committed ranges');
    // Partition 2 was positioned at its end: a new message there is the next delivered.
    await stack.producer.send({ topic, acks: -1, messages: [{ partition: 2, value: 'new' }] });
    await until(waitUntil, () => delivered.includes('2/10'), 'the new message of partition 2');
    expect(delivered.sort()).toEqual([...expected, '2/10'].sort());
    expect(moved).toEqual([{ topic, partition: 1, from: 2, to: 5, reason: 'retention' }]);
    expect(
      logged.filter((m) => m.includes('starts where the Kafka consumer group committed')),
    ).toHaveLength(2);
  });

  test('commitToKafka off: nothing is committed and a group of that name is not read', async () => {
    const topic = 'commit-off';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    await produceIds(stack.producer, topic, { count: 10, partitions: 1 });
    const conf = config({ useEarliest: true, commitToKafka: false, commitIntervalMs: 100 });
    const groupId = conf.redis.groupName;
    await seedGroup(groupId, [[topic, 0, 7]]);
    const n = await node(conf, [topic]);
    const delivered: number[] = [];
    await n.run({ eachMessage: async ({ message }) => void delivered.push(message.offset) });
    await until(waitUntil, () => delivered.length >= 10, 'all 10 from the earliest');
    expect(delivered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await n.close();
    // What the test itself committed, untouched by the run and its close.
    expect(await committed(groupId, topic)).toEqual({ 0: 7 });
  });

  test.each([
    ['while it connects', false, false],
    ['while it finds the group coordinator', true, false],
    // The seed `localhost:port` and the broker it advertises, `127.0.0.1:port`, are two
    // connections of kafkajs's pool, made at different times.
    ['while it finds the group coordinator, seeded by another name', true, true],
  ])(
    'closing the Kafka access %s leaves no socket open, then or later',
    async (_, connected, renamed) => {
      const t = `commit-close-${connected ? 'connected' : 'connecting'}${renamed ? '-renamed' : ''}`;
      await createTopic(stack.kafka.info.brokers, { topic: t, partitions: 1 });
      const sockets = () =>
        process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const baseline = sockets();
      const brokers = renamed
        ? stack.kafka.info.brokers.map((b) => b.replace(/^127\.0\.0\.1:/, 'localhost:'))
        : stack.kafka.info.brokers;
      const access = createKafkaAccess({ brokers, clientId: 'kf-close' });
      if (connected) await access.metadata([t]);
      // A group no member ever joined: the commit goes first to find its coordinator.
      const commit = access.commitOffsets(`commit-close-${Date.now()}`, [
        { topic: t, partition: 0, offset: 0 },
      ]);
      await access.close();
      // Committed before the close took hold, or refused: either is the caller's to see.
      await commit.catch(() => undefined);
      // A socket being closed leaves the handles once its end is read: a few ms; 3 s only
      // bounds a failing test.
      await until(
        waitUntil,
        () => sockets() <= baseline,
        'every socket of the access closed',
        3_000,
      );
      // Nothing connects again afterwards: 500 ms is several request round trips here.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sockets()).toBeLessThanOrEqual(baseline);
    },
  );
});

function sameOffsets(a: Record<number, number>, b: Record<number, number>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
