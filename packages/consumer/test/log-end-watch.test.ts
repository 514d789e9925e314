import { kafkaClient, startRedisSingle, waitUntil } from '@kf/devstack';
import { silentLogger } from '@kf/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKafkaAccess, type KafkaAccess, type LogEnd } from '../src/index.js';
import { LogEndWatch } from '../src/organiser/log-end-watch.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

/**
 * The margin allowed for a loaded 2-core machine on top of what the configuration
 * implies: a produce, a tick, a claim and a fetch take a few milliseconds when idle.
 */
const MARGIN_MS = 1_500;

describe('new data wakes the organiser', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-log-ends-test' });
  const { config, node, topic } = useGroupNodes(stack, { prefix: 'log-ends-test' });
  let access: KafkaAccess;

  beforeAll(() => {
    access = createKafkaAccess({ brokers: stack.kafka.info.brokers, clientId: 'kf-log-ends' });
  });
  afterAll(async () => {
    await access?.close();
  });

  async function leaderOf(name: string): Promise<number> {
    const { topics } = await access.refreshMetadata([name]);
    return topics[0]?.partitions[0]?.leader as number;
  }

  test('a poll holds until data arrives, answers the log ends, and never holds back a fetch', async () => {
    const name = await topic('log-ends-poll', 2);
    await produceIds(stack.producer, name, { count: 4, partitions: 2 });
    const leader = await leaderOf(name);
    const maxWaitMs = 4_000;

    // Nothing beyond the log ends: the broker holds the poll for its whole wait.
    const began = performance.now();
    const idle = await access.awaitLogEnds?.(
      leader,
      [
        { topic: name, partition: 0, from: 2 },
        { topic: name, partition: 1, from: 2 },
      ],
      { maxWaitMs: 1_000, isolation: 'read_uncommitted' },
    );
    expect(performance.now() - began).toBeGreaterThanOrEqual(1_000 - 50);
    expect(idle).toEqual([
      { topic: name, partition: 0, earliest: 0, latest: 2 },
      { topic: name, partition: 1, earliest: 0, latest: 2 },
    ]);

    // A poll waiting on partition 1; meanwhile a fetch of partition 0 answers at once,
    // then a record on partition 1 ends the poll long before its wait.
    const polled = performance.now();
    const poll = access.awaitLogEnds?.(leader, [{ topic: name, partition: 1, from: 2 }], {
      maxWaitMs,
      isolation: 'read_uncommitted',
    });
    const fetched = await access.fetch({
      topic: name,
      partition: 0,
      offset: 0,
      maxBytes: 1_048_576,
      maxWaitMs: 0,
      isolation: 'read_uncommitted',
    });
    const fetchMs = performance.now() - polled;
    expect(fetched.records.map((r) => String(r.value))).toEqual([`${name}-0`, `${name}-2`]);
    expect(fetchMs).toBeLessThan(maxWaitMs - MARGIN_MS);
    await stack.producer.send({ topic: name, acks: -1, messages: [{ partition: 1, value: 'x' }] });
    const woken = await poll;
    expect(performance.now() - polled).toBeLessThan(maxWaitMs - MARGIN_MS);
    expect(woken).toEqual([{ topic: name, partition: 1, earliest: 0, latest: 3 }]);

    // A `from` above the log end is answered with Kafka's error for that partition.
    const beyond = await access.awaitLogEnds?.(leader, [{ topic: name, partition: 0, from: 50 }], {
      maxWaitMs: 1_000,
      isolation: 'read_uncommitted',
    });
    expect(beyond).toEqual([{ topic: name, partition: 0, error: 'OFFSET_OUT_OF_RANGE' }]);
  });

  test('a message produced to an idle group reaches the handler long before the next tick', async () => {
    const name = await topic('log-ends-wake', 3);
    // A tick every 20 s: only a wake can deliver within the bound below.
    const workCalculateFreq = 20_000;
    const n = await node(config({ useEarliest: true, workCalculateFreq }), [name]);
    const seen = new Map<string, number>();
    await n.run({
      eachMessage: async ({ message }) => {
        seen.set(String(message.value), Date.now());
      },
    });
    // The first tick ran at start and saw the empty partitions: their polls are waiting.
    await until(waitUntil, () => n.status().leader, 'the node leads');
    for (let i = 0; i < 3; i++) {
      const sentAt = Date.now();
      const [id] = await produceIds(stack.producer, name, {
        count: 1,
        partitions: 3,
        start: i,
      });
      await until(waitUntil, () => seen.has(id as string), `${id} handled`, MARGIN_MS);
      expect((seen.get(id as string) as number) - sentAt).toBeLessThan(MARGIN_MS);
    }
    expect(seen.size).toBe(3);
  });

  test('records the polls brought reach the handler in their units, with no fetch of their own', async () => {
    const fetchesWith = async (inlineRecordsMaxBytes: number): Promise<number> => {
      const name = await topic(`log-ends-carried-${inlineRecordsMaxBytes}`, 2);
      let fetches = 0;
      const counted: KafkaAccess = Object.assign(Object.create(access) as KafkaAccess, {
        // The file's access, shared by its tests: closed once, after them all.
        close: async () => undefined,
        fetch: (...args: Parameters<KafkaAccess['fetch']>) => {
          fetches += 1;
          return access.fetch(...args);
        },
      });
      // No timer tick nor metadata reload in the test's time: every unit is cut by a
      // tick a poll woke, from what the poll brought. Nor a read of the Kafka group's
      // offsets, which a fresh broker may fail (its coordinator loading) until that tick.
      const n = await node(
        config({
          useEarliest: true,
          workCalculateFreq: 20_000,
          metadataMaxAgeMs: 60_000,
          commitToKafka: false,
          inlineRecordsMaxBytes,
        }),
        [name],
        { kafka: counted },
      );
      const seen = new Set<string>();
      await n.run({
        eachMessage: async ({ message }) => {
          seen.add(String(message.value));
        },
      });
      const handled = async (i: number) => {
        const [id] = await produceIds(stack.producer, name, { count: 1, partitions: 2, start: i });
        await until(waitUntil, () => seen.has(id as string), `${id} handled`, MARGIN_MS);
      };
      // The first record may come before the first tick has seen the partitions (and is
      // then fetched): once it is handled, the polls watch both from their log ends.
      await handled(0);
      const before = fetches;
      for (let i = 1; i <= 6; i++) await handled(i);
      return fetches - before;
    };
    expect(await fetchesWith(16_384)).toBe(0);
    // Carrying nothing, each of the same records is fetched.
    expect(await fetchesWith(0)).toBeGreaterThanOrEqual(6);
  });

  test('a leader with no room for new data ticks on its timer, not on every record', async () => {
    const name = await topic('log-ends-full', 2);
    // A slow timer: its ticks in the window are few, so woken ones would stand out.
    const workCalculateFreq = 1_000;
    // Counts the ticks that read this topic's offsets: one read per tick.
    let ticks = 0;
    const counted: KafkaAccess = Object.assign(Object.create(access) as KafkaAccess, {
      // The file's access, shared by its tests: closed once, after them all.
      close: async () => undefined,
      offsets: (...args: Parameters<KafkaAccess['offsets']>) => {
        if (args[0] === name) ticks += 1;
        return access.offsets(...args);
      },
    });
    // No handler runs, so the one queued unit fills the work list for good.
    const n = await node(
      config({ useEarliest: true, workCalculateFreq, maxQueuedUnits: 1, consumeStep: 1 }),
      [name],
      { kafka: counted },
    );
    await until(waitUntil, () => n.status().leader, 'the node leads');
    await produceIds(stack.producer, name, { count: 2, partitions: 2 });
    // One record per send, three senders back to back (a producer that lets sends
    // overlap): every send is new data for a poll.
    const producer = kafkaClient(stack.kafka.info.brokers, 'kf-log-ends-flood').producer();
    await producer.connect();
    let sends = 0;
    let producing = true;
    const production = Promise.all(
      [0, 1, 2].map(async (sender) => {
        while (producing) {
          await producer.send({
            topic: name,
            acks: -1,
            messages: [{ partition: sender % 2, value: `r${sends}` }],
          });
          sends += 1;
        }
      }),
    );
    const windowMs = 1_500;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [ticksBefore, sendsBefore] = [ticks, sends];
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const during = ticks - ticksBefore;
    const sent = sends - sendsBefore;
    producing = false;
    await production.finally(() => producer.disconnect());
    // The timer's ticks and a few more (the first look at the full list): a leader woken
    // by every record would tick about once per send.
    const bound = Math.floor(windowMs / workCalculateFreq) + 3;
    expect(sent).toBeGreaterThanOrEqual(3 * bound);
    expect(during).toBeLessThanOrEqual(bound);
  });

  test('closing the Kafka access while a poll connects ends the poll and leaves no socket open', async () => {
    const name = await topic('log-ends-close', 1);
    const leader = await leaderOf(name);
    const sockets = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const baseline = sockets();
    const own = createKafkaAccess({ brokers: stack.kafka.info.brokers, clientId: 'kf-close' });
    const poll = own.awaitLogEnds?.(leader, [{ topic: name, partition: 0, from: 0 }], {
      maxWaitMs: 1_000,
      isolation: 'read_uncommitted',
    });
    await own.close();
    await expect(poll).rejects.toThrow(/the Kafka access is closed/);
    await until(waitUntil, () => sockets() <= baseline, 'every socket of the access closed', 3_000);
    // Nothing reconnects later either.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sockets()).toBeLessThanOrEqual(baseline);
  });
});

describe('the watch, on a port whose polls answer on cue', () => {
  test('an answer that comes after the watch was cleared wakes nothing', async () => {
    let answer: (ends: LogEnd[]) => void = () => undefined;
    let polls = 0;
    let wakes = 0;
    const watch = new LogEndWatch({
      kafka: {
        awaitLogEnds: () => {
          polls += 1;
          return new Promise<LogEnd[]>((resolve) => {
            answer = resolve;
          });
        },
      },
      isolation: 'read_uncommitted',
      logger: silentLogger,
      wake: () => {
        wakes += 1;
      },
    });
    watch.watch([{ topic: 't', partition: 0, from: 10, leader: 1 }]);
    expect(polls).toBe(1);
    // Deposed or paused while the poll waits; then a record arrives.
    watch.clear();
    answer([{ topic: 't', partition: 0, earliest: 0, latest: 11 }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(wakes).toBe(0);
    expect(polls).toBe(1);

    // Watched again: the same answer wakes.
    watch.watch([{ topic: 't', partition: 0, from: 10, leader: 1 }]);
    answer([{ topic: 't', partition: 0, earliest: 0, latest: 11 }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(wakes).toBe(1);
    watch.stop();
  });

  test('the log ends its polls answered stand in for ListOffsets only when every partition is known, error-free and not below its saved offset', async () => {
    const answers: Array<(ends: LogEnd[]) => void> = [];
    const watch = new LogEndWatch({
      kafka: {
        awaitLogEnds: () => new Promise<LogEnd[]>((resolve) => answers.push(resolve)),
      },
      isolation: 'read_uncommitted',
      logger: silentLogger,
      wake: () => undefined,
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    // The poll the watch has in flight answers.
    const answer = async (ends: LogEnd[]) => {
      await settle();
      const respond = answers.shift();
      if (respond === undefined) throw new Error('no poll in flight');
      respond(ends);
      await settle();
    };
    const saved = (offsets: Record<number, number>) => (p: number) => offsets[p];
    const watched = [
      { topic: 't', partition: 0, from: 10, leader: 1 },
      { topic: 't', partition: 1, from: 10, leader: 1 },
    ];
    watch.watch(watched);
    expect(watch.offsetsOf('t', [0, 1], saved({ 0: 10, 1: 10 }))).toBeUndefined();
    await answer([
      { topic: 't', partition: 0, earliest: 2, latest: 12 },
      { topic: 't', partition: 1, earliest: 0, latest: 10 },
    ]);
    expect(watch.offsetsOf('t', [0, 1], saved({ 0: 10, 1: 10 }))).toEqual([
      { partition: 0, earliest: 2, latest: 12 },
      { partition: 1, earliest: 0, latest: 10 },
    ]);
    // A saved offset above the end answered: ListOffsets must look.
    expect(watch.offsetsOf('t', [0, 1], saved({ 0: 13, 1: 10 }))).toBeUndefined();
    // A partition Kafka lists that no poll answered for.
    expect(watch.offsetsOf('t', [0, 1, 2], saved({}))).toBeUndefined();

    // The next tick watches again; an error answered for one partition forgets it.
    watch.watch(watched);
    await answer([
      { topic: 't', partition: 0, earliest: 2, latest: 13 },
      { topic: 't', partition: 1, error: 'NOT_LEADER_OR_FOLLOWER' },
    ]);
    expect(watch.offsetsOf('t', [0], saved({ 0: 10 }))).toEqual([
      { partition: 0, earliest: 2, latest: 13 },
    ]);
    expect(watch.offsetsOf('t', [0, 1], saved({}))).toBeUndefined();

    // A partition no longer watched, and a cleared watch, know nothing.
    watch.watch([{ topic: 't', partition: 1, from: 10, leader: 1 }]);
    expect(watch.offsetsOf('t', [0], saved({}))).toBeUndefined();
    watch.watch(watched);
    await answer([
      { topic: 't', partition: 0, earliest: 2, latest: 14 },
      { topic: 't', partition: 1, earliest: 0, latest: 11 },
    ]);
    watch.clear();
    expect(watch.offsetsOf('t', [0, 1], saved({}))).toBeUndefined();
    watch.stop();
  });
});
