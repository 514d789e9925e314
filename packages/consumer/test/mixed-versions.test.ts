import { createTopic, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

/**
 * A group whose nodes run different kf versions (a rolling upgrade), and the
 * `redelivered` flag as user code sees it, on a real Redis and Kafka through createNode.
 */
describe('units across versions, and redeliveries as user code sees them', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-mixed-versions' });
  const { config, node } = useGroupNodes(stack, {
    prefix: 'mixed-versions',
    conf: { concurrency: 1 },
  });

  /**
   * A one-partition topic holding `count` messages, whose saved offset is already past
   * them: the organiser schedules none of them, so the test's own units are the only ones.
   */
  async function topicWith(name: string, count: number, group: string): Promise<string> {
    await createTopic(stack.kafka.info.brokers, { topic: name, partitions: 1 });
    await produceIds(stack.producer, name, { count, partitions: 1 });
    await redisCall(['HSET', `kf:{${group}}:offsets`, `${name}/0`, String(count)]);
    return name;
  }

  function redisCall(args: string[]): Promise<unknown> {
    return withRedis(stack.redis.info, (c) => c.call(...(args as [string, ...string[]])));
  }

  const list = (key: string) => redisCall(['LRANGE', key, '0', '-1']) as Promise<string[]>;

  /** A unit as a newer kf writes it: this release's encoding, and one more field. */
  function newerUnit(t: string, offset: number, len: number, id: string): string {
    return `{"r":0,"v":1,"id":"${id}","topic":"${t}","partition":0,"offset":${offset},"len":${len},"attempts":0,"ts":1,"priority":"high"}`;
  }

  test("a unit a newer node wrote is consumed, and its extra field survives a retry's requeue and a close-mid-unit remainder", async () => {
    const conf = config({ retryBackoffMs: 60_000, maxRetryBackoffMs: 60_000, maxAttempts: 5 });
    const group = conf.redis.groupName;
    const work = `kf:{${group}}:work`;
    const t = await topicWith('mixed-newer-unit', 10, group);
    const id = `${t}/0/0~n3w`;
    await redisCall(['ZADD', `kf:{${group}}:pending:${t}/0`, '0', id]);
    await redisCall(['LPUSH', work, newerUnit(t, 0, 10, id)]);

    // First node: fails on offset 4; the retry waits out its backoff in the working list,
    // and the close queues it at once.
    const first = await node(conf, [t]);
    const seen: Array<{ node: number; offset: number; redelivered: boolean }> = [];
    await first.run({
      eachMessage: async ({ message }) => {
        seen.push({ node: 1, offset: message.offset, redelivered: message.redelivered });
        if (message.offset === 4) throw new Error('downstream refused');
      },
    });
    await until(
      waitUntil,
      async () => seen.length === 5 || (await first.errors.count()) > 0,
      'the first attempt',
    );
    expect(await first.errors.list()).toEqual([]);
    await first.close();
    const [retry] = await list(work);
    expect(retry).toMatch(
      new RegExp(
        `^\\{"r":1,"v":1,"id":"${t}/0/4~[0-9a-z]+","topic":"${t}","partition":0,"offset":4,"len":6,"attempts":1,"ts":1,"priority":"high"\\}$`,
      ),
    );
    expect(await list(work)).toHaveLength(1);

    // Second node: closes while user code handles offset 6; the remainder keeps the field.
    const second = await node(conf, [t]);
    let closing: Promise<void> | undefined;
    await second.run({
      eachMessage: async ({ message }) => {
        seen.push({ node: 2, offset: message.offset, redelivered: message.redelivered });
        if (message.offset === 6) closing = second.close();
      },
    });
    await until(waitUntil, () => closing !== undefined, 'the second node closing');
    await closing;
    const [remainder] = await list(work);
    expect(remainder).toMatch(
      new RegExp(
        `^\\{"r":1,"v":1,"id":"${t}/0/7~[0-9a-z]+","topic":"${t}","partition":0,"offset":7,"len":3,"attempts":1,"ts":1,"priority":"high"\\}$`,
      ),
    );

    // Third node: consumes the rest; nothing is left claimed, queued or pending.
    const third = await node(conf, [t]);
    await third.run({
      eachMessage: async ({ message }) =>
        void seen.push({ node: 3, offset: message.offset, redelivered: message.redelivered }),
    });
    await until(waitUntil, () => seen.length === 5 + 3 + 3, 'the remainder consumed');
    expect(seen).toEqual([
      ...[0, 1, 2, 3, 4].map((offset) => ({ node: 1, offset, redelivered: false })),
      ...[4, 5, 6].map((offset) => ({ node: 2, offset, redelivered: true })),
      ...[7, 8, 9].map((offset) => ({ node: 3, offset, redelivered: true })),
    ]);
    await until(
      waitUntil,
      async () => (await redisCall(['ZCARD', `kf:{${group}}:pending:${t}/0`])) === 0,
      'nothing pending',
    );
    expect(await list(work)).toEqual([]);
    expect(await third.errors.count()).toBe(0);
  });

  test('a unit error-listed as MALFORMED_UNIT by an older node is requeued once this release reads it; one it cannot read stays', async () => {
    const conf = config();
    const group = conf.redis.groupName;
    const t = await topicWith('mixed-malformed-requeue', 5, group);
    // What a node of the previous release wrote when a newer node's unit reached it.
    const readable = newerUnit(t, 0, 5, `${t}/0/0~n3w`);
    const unreadable = readable.replace('"v":1', '"v":2');
    const entry = (unit: string) =>
      JSON.stringify({
        unit,
        reason: 'MALFORMED_UNIT',
        detail: '(root): Unrecognized key: "priority"',
        at: 1,
      });
    await redisCall(['RPUSH', `kf:{${group}}:error`, entry(readable), entry(unreadable)]);
    const n = await node(conf, [t]);
    const seen: Array<{ offset: number; redelivered: boolean; unitRedelivered: boolean }> = [];
    await n.run({
      eachMessage: async ({ message, unit }) =>
        void seen.push({
          offset: message.offset,
          redelivered: message.redelivered,
          unitRedelivered: unit.redelivered,
        }),
    });
    expect(await n.errors.requeue()).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 1 });
    await until(waitUntil, () => seen.length === 5, 'the requeued unit consumed');
    // A requeue from the error list may repeat what a node delivered before giving up.
    expect(seen).toEqual(
      [0, 1, 2, 3, 4].map((offset) => ({ offset, redelivered: true, unitRedelivered: true })),
    );
    const left = await n.errors.list();
    expect(left.map((e) => [e.reason, e.unit])).toEqual([['MALFORMED_UNIT', unreadable]]);
  });

  test('a first delivery is not flagged; units recovered from a dead node and requeued orphans are', async () => {
    const conf = config({ leaseTtlMs: 1_000 });
    const group = conf.redis.groupName;
    const prefix = `kf:{${group}}`;
    const t = await topicWith('mixed-redelivered', 30, group);
    // As the previous release wrote units (no flag, no version, no id suffix): the mark
    // must cope with a unit lacking the flag's prefix.
    const unit = (offset: number) =>
      `{"id":"${t}/0/${offset}","topic":"${t}","partition":0,"offset":${offset},"len":10,"attempts":0,"ts":1}`;
    // [10, 20): claimed by a node that died (its lease is long past).
    await redisCall(['RPUSH', `${prefix}:working:ghost`, unit(10)]);
    await redisCall(['ZADD', `${prefix}:nodes`, '1', 'ghost']);
    const n = await node(conf, [t]);
    // [20, 30): in this live node's list, never held by it (a claim whose reply was lost).
    await redisCall(['RPUSH', `${prefix}:working:${n.nodeId}`, unit(20)]);
    // [0, 10): queued by the organiser, as any unit is first.
    await redisCall(['LPUSH', `${prefix}:work`, unit(0)]);
    const seen = new Map<number, { message: boolean; unit: boolean }>();
    await n.run({
      eachBatch: async ({ batch, unit: info }) => {
        expect(batch.redelivered).toBe(info.redelivered);
        for (const m of batch.messages) {
          seen.set(m.offset, { message: m.redelivered, unit: info.redelivered });
        }
      },
    });
    await until(
      waitUntil,
      async () => seen.size === 30 || (await n.errors.count()) > 0,
      'all three units consumed',
      20_000,
    );
    expect(await n.errors.list()).toEqual([]);
    const flags = [...seen.entries()].sort(([a], [b]) => a - b).map(([, f]) => f.message);
    expect(flags).toEqual([
      ...Array<boolean>(10).fill(false),
      ...Array<boolean>(10).fill(true),
      ...Array<boolean>(10).fill(true),
    ]);
    expect([...seen.values()].every((f) => f.message === f.unit)).toBe(true);
  });
});
