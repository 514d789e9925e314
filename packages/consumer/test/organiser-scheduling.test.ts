import { createRedis } from '@kf/core';
import { startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import {
  createKafkaAccess,
  KafkaRequestError,
  type OffsetsMovedEvent,
  type UnitsScheduledEvent,
} from '../src/index.js';
import { type GroupConfig, useGroupNodes } from './support/group-nodes.js';
import { produceIds, tally, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';
import { type OffsetsRewrite, wrapKafka } from './support/wrapped-kafka.js';

/** Kafka's TOPIC_AUTHORIZATION_FAILED. */
const TOPIC_AUTHORIZATION_FAILED = 29;
const TICK_MS = 100;

describe('the organiser on a real Redis and Kafka', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-organiser-test' });
  const {
    config,
    node,
    topic: topicOf,
  } = useGroupNodes(stack, { prefix: 'organiser-test', conf: { workCalculateFreq: TICK_MS } });

  /** A node on the real port, its organiser's `offsets()` answers rewritten. */
  async function nodeWith(conf: GroupConfig, topics: string[], rewrite: OffsetsRewrite) {
    const wrapped = wrapKafka(createKafkaAccess({ brokers: stack.kafka.info.brokers }), rewrite);
    const n = await node(conf, topics, { kafka: wrapped.access });
    return { node: n, calls: wrapped.calls };
  }

  test('a topic added while the work list is full has its start recorded at once', async () => {
    const busy = await topicOf('full-busy', 1);
    const late = await topicOf('full-late', 1);
    await produceIds(stack.producer, busy, { count: 50, partitions: 1 });
    // Nobody consumes: one unit fills the work list for good.
    const conf = config({ useEarliest: true, maxQueuedUnits: 1, consumeStep: 10 });
    const n = await node(conf, [busy]);
    const offsetsKey = `kf:{${conf.redis.groupName}}:offsets`;
    const workKey = `kf:{${conf.redis.groupName}}:work`;
    await until(
      waitUntil,
      async () => Number(await withRedis(stack.redis.info, (c) => c.llen(workKey))) === 1,
      'the work list full',
    );
    await n.addTopics([late]);
    // Recorded within a few ticks: a message produced from then on is the group's.
    await until(
      waitUntil,
      async () =>
        (await withRedis(stack.redis.info, (c) => c.hget(offsetsKey, `${late}/0`))) === '0',
      'the start of the late topic recorded',
      10 * TICK_MS + 2_000,
    );
  });

  describe('fair scheduling', () => {
    test('with less room than partitions, every partition is scheduled before any is scheduled twice', async () => {
      const partitions = 8;
      const topic = await topicOf('fair', partitions);
      const ids = await produceIds(stack.producer, topic, { count: 800, partitions });
      // Room for 2 units, 8 partitions of 10 units each: a tick can serve 2 of them.
      const conf = config({ useEarliest: true, maxQueuedUnits: 2, consumeStep: 10 });
      const n = await node(conf, [topic]);
      const scheduled: UnitsScheduledEvent[] = [];
      n.on('unitsScheduled', (e) => scheduled.push(e));
      const seen: string[] = [];
      await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await until(waitUntil, () => seen.length >= ids.length, 'every message');
      expect(tally(seen).duplicates).toBe(0);
      // Each tick with room serves at least one partition not served yet in this round,
      // so the first `partitions` scheduling events — at most `partitions` ticks — name
      // every partition once.
      const firstRound = scheduled.slice(0, partitions).map((e) => e.partition);
      expect(firstRound.sort((a, b) => a - b)).toEqual([...Array(partitions).keys()]);
    });

    test('one partition takes at most half the room of a tick, so a quiet one still finds room', async () => {
      const topic = await topicOf('fair-cap', 2);
      // Partition 0: 2000 units of backlog (consumeStep 1); partition 1: nothing yet.
      await stack.producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 2_000 }, (_, i) => ({ partition: 0, value: `hot-${i}` })),
      });
      const conf = config({ useEarliest: true, maxQueuedUnits: 1_000, consumeStep: 1 });
      const n = await node(conf, [topic]);
      const scheduled: UnitsScheduledEvent[] = [];
      n.on('unitsScheduled', (e) => scheduled.push(e));
      // No worker runs: the work list only fills. Three ticks, plus 1 s margin; a tick
      // that took all the room is followed by none, which the assertion below shows.
      await until(waitUntil, () => scheduled.length >= 3, 'three ticks', 3 * TICK_MS + 1_000).catch(
        () => undefined,
      );
      // 1000 of room: half of it, then half of what is left, ... never all of it.
      expect(scheduled.slice(0, 3).map((e) => e.units)).toEqual([500, 250, 125]);
      await stack.producer.send({ topic, acks: -1, messages: [{ partition: 1, value: 'quiet' }] });
      await until(
        waitUntil,
        () => scheduled.some((e) => e.partition === 1),
        'the quiet partition scheduled',
        // Two ticks to see the message, plus 1 s margin.
        2 * TICK_MS + 1_000,
      );
    });
  });

  describe('a topic whose offsets fail', () => {
    test('another topic is still consumed completely, and the failure is reported with the topic', async () => {
      // Sorted first, so the organiser meets it before the healthy topic.
      const denied = await topicOf('a-denied', 2);
      const open = await topicOf('b-open', 2);
      await produceIds(stack.producer, denied, { count: 20, partitions: 2 });
      const ids = await produceIds(stack.producer, open, { count: 200, partitions: 2 });
      const conf = config({ useEarliest: true, consumeStep: 25 });
      const { node: n } = await nodeWith(conf, [denied, open], async (topic, _call, real) => {
        if (topic !== denied) return real();
        throw new KafkaRequestError(
          `list offsets of ${denied}`,
          TOPIC_AUTHORIZATION_FAILED,
          'TOPIC_AUTHORIZATION_FAILED',
        );
      });
      const reported: Error[] = [];
      n.on('error', (e) => reported.push(e));
      const seen: string[] = [];
      await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      // A tick to schedule, a tick's worth for claims, 5 s margin for 200 messages.
      await until(
        waitUntil,
        () => seen.length >= ids.length,
        'every message of b-open',
        2 * TICK_MS + 5_000,
      );
      expect([...tally(seen).counts.keys()].sort()).toEqual([...ids].sort());
      expect(reported.length).toBeGreaterThan(0);
      expect(reported[0]?.message).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
      expect(reported.every((e) => e.message.includes(denied))).toBe(true);
      // Reported once for the stretch, not on every tick.
      expect(reported).toHaveLength(1);
    });
  });

  describe('a saved offset above the log end', () => {
    test('a trailing answer on one tick does not rewind the saved offset, and is reported once the log passes it', async () => {
      const topic = await topicOf('ahead-transient', 1);
      const ids = await produceIds(stack.producer, topic, { count: 20, partitions: 1 });
      const conf = config({});
      // Offsets [0, 15) were scheduled before; the new leader's first answer trails at 10.
      await withRedis(stack.redis.info, (c) =>
        c.call('HSET', `kf:{${conf.redis.groupName}}:offsets`, `${topic}/0`, '15'),
      );
      const { node: n } = await nodeWith(conf, [topic], async (_topic, call, real) => {
        const answer = await real();
        return call === 1 ? answer.map((p) => ({ ...p, latest: 10 })) : answer;
      });
      const moved: OffsetsMovedEvent[] = [];
      const scheduled: UnitsScheduledEvent[] = [];
      n.on('offsetsMoved', (e) => moved.push(e));
      n.on('unitsScheduled', (e) => scheduled.push(e));
      const seen: string[] = [];
      await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await until(waitUntil, () => seen.length >= 5, 'offsets 15 to 19');
      // Five more ticks for anything scheduled twice to show.
      await new Promise((r) => setTimeout(r, 5 * TICK_MS));
      // No rewind; the passing sighting is said as it is, since a recreated log would look
      // the same to this tick.
      expect(moved).toEqual([{ topic, partition: 0, from: 0, to: 15, reason: 'ahead-passed' }]);
      expect(scheduled.map((e) => [e.from, e.to])).toEqual([[15, 20]]);
      expect(seen.sort()).toEqual(ids.slice(15).sort());
    });

    test('a stable answer on a refreshed later tick rewinds it, reporting the range from below to above', async () => {
      const topic = await topicOf('ahead-stable', 1);
      await produceIds(stack.producer, topic, { count: 5, partitions: 1 });
      const conf = config({});
      await withRedis(stack.redis.info, (c) =>
        c.call('HSET', `kf:{${conf.redis.groupName}}:offsets`, `${topic}/0`, '1000'),
      );
      const { node: n, calls } = await nodeWith(conf, [topic], (_topic, _call, real) => real());
      const moved: Array<{ event: OffsetsMovedEvent; callsBefore: string[] }> = [];
      n.on('offsetsMoved', (event) => moved.push({ event, callsBefore: [...calls] }));
      const seen: string[] = [];
      await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await until(waitUntil, () => moved.length === 2, 'the reset reported');
      const [first, second] = moved;
      expect(first?.event).toEqual({
        topic,
        partition: 0,
        from: 5,
        to: 1000,
        reason: 'reset-ahead',
      });
      // useEarliest is off: the reset goes to the log end, and what that leaves out is said.
      expect(second?.event).toEqual({
        topic,
        partition: 0,
        from: 0,
        to: 5,
        reason: 'reset-skipped',
      });
      // Asked on two ticks, with the metadata refreshed in between.
      const asked = first?.callsBefore ?? [];
      const firstAsk = asked.indexOf(`offsets ${topic}`);
      const refresh = asked.findIndex(
        (c, i) => i > firstAsk && c.startsWith('refresh') && c.includes(topic),
      );
      expect(firstAsk).toBeGreaterThanOrEqual(0);
      expect(refresh).toBeGreaterThan(firstAsk);
      expect(asked.slice(refresh).filter((c) => c === `offsets ${topic}`).length).toBeGreaterThan(
        0,
      );
      const later = await produceIds(stack.producer, topic, { count: 5, partitions: 1, start: 5 });
      await until(waitUntil, () => seen.length === 5, 'what came after the reset');
      expect(seen.sort()).toEqual([...later].sort());
    });
  });

  test('a schedule write whose reply was lost is reported by the next tick, once', async () => {
    const name = await topicOf('lost-reply', 2);
    await produceIds(stack.producer, name, { count: 40, partitions: 2 });
    // The first schedule script runs, and its reply never arrives.
    let lost = 0;
    const n = await node(config({ useEarliest: true, consumeStep: 100 }), [name], {
      redisFactory: async (redisConf) => {
        const real = await createRedis(redisConf);
        return new Proxy(real, {
          get(target, property) {
            const value = Reflect.get(target, property, target);
            if (property !== 'evalScript') {
              return typeof value === 'function' ? value.bind(target) : value;
            }
            return async (...args: Parameters<typeof real.evalScript>) => {
              const reply = await target.evalScript(...args);
              if (args[0].name === 'schedule-units' && lost === 0) {
                lost += 1;
                throw new Error('connection lost before the reply');
              }
              return reply;
            };
          },
        });
      },
    });
    const scheduled: UnitsScheduledEvent[] = [];
    const errors: unknown[] = [];
    n.on('unitsScheduled', (e) => scheduled.push(e));
    n.on('error', (e) => errors.push(e));
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length >= 40, 'every message handled');
    expect(lost).toBe(1);
    // The failed tick said so.
    expect(errors.map(String).join()).toMatch(/connection lost before the reply/);
    // Each partition's [0, 20) reported once, though its write's reply was lost.
    await until(waitUntil, () => scheduled.length >= 2, 'the lost write reported');
    const ranges = scheduled.map((e) => `${e.partition}:${e.from}-${e.to}`).sort();
    expect(ranges).toEqual(['0:0-20', '1:0-20']);
    expect(tally(seen)).toMatchObject({ duplicates: 0 });
    expect(tally(seen).counts.size).toBe(40);
  });
});
