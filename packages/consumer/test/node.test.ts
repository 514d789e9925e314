import { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { groupKeys } from '@kf/core';
import { kafkaClient, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { silentLogger } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { createNode, type KfNode } from '../src/index.js';
import { type GroupConfig, useGroupNodes } from './support/group-nodes.js';
import { compareIds, idRuns, produceIds, tally, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

// Waits for deliveries make no timing claim: their bound only ends a failing test. Each
// test here delivers in 0.3–3 s on the 2-core development machine; 30 s is 10× the
// slowest, room for a machine shared with other test runs.
const DELIVERY_MS = 30_000;
const START_TIMEOUT_MS = 2_000;
// A socket closed by the node is gone from the active handles once its end is read:
// a few ms; 500 ms leaves room for a loaded machine.
const CLOSE_SETTLE_MS = 500;
const TAKEOVER_LOCK_TTL_MS = 1_000;
const TAKEOVER_TICK_MS = 100;
// The lock runs out a TTL after the dead leader's last renewal. A follower looks again
// when the time left it was told has passed, on its next tick; having read its clock just
// before asking, it may look a few ms early and then looks again one tick later: two
// ticks. Margin 300 ms: timers late on a 2-core machine shared with other test runs
// (measured: 1 005 ms at a load average of 29).
const TAKEOVER_BOUND_MS = TAKEOVER_LOCK_TTL_MS + 2 * TAKEOVER_TICK_MS + 300;

describe('createNode on one Redis and one Kafka broker', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-node-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'node-test',
    conf: { useEarliest: true },
  });

  /**
   * Waits until every id of `ids` is in `seen`, then checks nothing else is: a missing or
   * an extra id fails it, each one named.
   */
  async function delivered(
    ids: readonly string[],
    seen: () => Iterable<string>,
    what: string,
    timeoutMs = DELIVERY_MS,
  ): Promise<void> {
    const want = new Set(ids);
    const all = () => {
      const got = new Set(seen());
      for (const id of want) if (!got.has(id)) return false;
      return true;
    };
    const waited = await until(waitUntil, all, what, timeoutMs).catch((e: unknown) => e as Error);
    const { missing, extra } = compareIds(ids, seen());
    if (waited instanceof Error || extra.length > 0)
      throw new Error(
        `${waited ?? what}: missing ${missing.length} [${idRuns(missing)}], extra ${extra.length} [${idRuns(extra)}]`,
      );
  }

  /**
   * What `createNode` rejected with. A node it resolved with instead is closed at once,
   * so the test fails on its expectation without leaving the node running.
   */
  async function startError(...args: Parameters<typeof createNode>): Promise<unknown> {
    return createNode(...args).then(
      async (n) => {
        await n.close({ timeoutMs: 2_000 }); // no user code runs: nothing to wait for
        return n;
      },
      (error: unknown) => error,
    );
  }

  /** A unit of a one-partition topic's offsets [0, len), as a worker claims it. */
  function wholeRange(t: string, len: number): string {
    return JSON.stringify({
      id: `${t}/0/0`,
      topic: t,
      partition: 0,
      offset: 0,
      len,
      attempts: 0,
      ts: 1,
    });
  }

  /**
   * A node of `conf`'s group on `t`, started with `offset` saved for partition 0 (as if an
   * earlier run had left it there), recording the offset moves it reports and what it delivers.
   */
  async function fromSavedOffset(conf: GroupConfig, t: string, offset: number) {
    await withRedis(stack.redis.info, (c) =>
      c.call('HSET', `kf:{${conf.redis.groupName}}:offsets`, `${t}/0`, String(offset)),
    );
    const n = await node(conf, [t]);
    const moved: unknown[] = [];
    n.on('offsetsMoved', (e) => moved.push(e));
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    return { moved, seen };
  }

  test('two nodes share the work: each delivers, and every message of four partitions arrives exactly once', async () => {
    const t = await topic('node-basic', 4);
    const ids = await produceIds(stack.producer, t, { count: 4_000, partitions: 4 });
    expect(ids).toHaveLength(4_000);
    // 4 partitions of 1 000 offsets in units of at most 300 offsets: at least 16 units,
    // more than the 4 one node's slots (conf.concurrency) can hold at once.
    const conf = config({ consumeStep: 300, concurrency: 4 });
    const claimedBy = new Set<string>();
    let bothClaimed = () => {};
    const bothHaveClaimed = new Promise<void>((resolve) => {
      bothClaimed = resolve;
    });
    const seen: string[] = [];
    const perNode = new Map<string, number>();
    const nodes: KfNode[] = [];
    for (let i = 0; i < 2; i++) {
      const n = await node(conf, [t]);
      nodes.push(n);
      n.on('unitClaimed', (e) => {
        claimedBy.add(e.nodeId);
        if (claimedBy.size === 2) bothClaimed();
      });
      await n.run({
        eachMessage: async ({ message }) => {
          // Every unit waits here until both nodes have claimed one. The first node can
          // hold no more than its 4 slots' units, so the rest stay queued for the second,
          // whichever is faster: neither can take everything.
          await bothHaveClaimed;
          seen.push(String(message.value));
          perNode.set(n.nodeId, (perNode.get(n.nodeId) ?? 0) + 1);
        },
      });
    }
    // The second node is running (awaited above) and units are queued for it: its first
    // claim is one script. No timing claim; the bound only ends a failing test.
    await until(waitUntil, () => claimedBy.size === 2, 'both nodes claimed a unit', DELIVERY_MS);
    await delivered(ids, () => seen, 'every message');
    expect(tally(seen).duplicates).toBe(0);
    expect(nodes.map((n) => perNode.get(n.nodeId) ?? 0).map((c) => c > 0)).toEqual([true, true]);
  });

  test('a poison message goes to the error list after maxAttempts while the rest flows', async () => {
    const t = await topic('node-poison', 2);
    const ids = await produceIds(stack.producer, t, { count: 1_000, partitions: 2 });
    expect(ids).toHaveLength(1_000);
    const poison = ids[500] as string;
    const conf = config({
      consumeStep: 50,
      maxAttempts: 3,
      retryBackoffMs: 10,
      maxRetryBackoffMs: 20,
    });
    const seen = new Set<string>();
    const n = await node(conf, [t]);
    const failures: string[] = [];
    n.on('unitFailed', (e) => failures.push(e.outcome));
    await n.run({
      eachMessage: async ({ message }) => {
        const id = String(message.value);
        if (id === poison) throw new Error('cannot handle this one');
        seen.add(id);
      },
    });
    await until(
      waitUntil,
      async () => (await n.errors.count()) === 1,
      'the poison unit error-listed',
    );
    const [entry] = await n.errors.list();
    expect(entry?.reason).toBe('ATTEMPTS_EXHAUSTED');
    expect(entry?.detail).toMatch(/3 attempts failed; the last: cannot handle this one/);
    expect(failures).toEqual(['requeued', 'requeued', 'error-listed']);
    const unit = entry?.unit;
    if (typeof unit === 'string' || unit === undefined) throw new Error('expected a unit');
    // Only the poison message is given up; those after it in its unit run afresh.
    expect({ offset: unit.offset, len: unit.len, attempts: unit.attempts }).toEqual({
      offset: 250,
      len: 1,
      attempts: 3,
    });
    await delivered(
      ids.filter((id) => id !== poison),
      () => seen,
      'every other message',
    );
  });

  test('requeue puts an error-listed unit back with its attempts reset', async () => {
    const t = await topic('node-requeue', 1);
    const ids = await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    expect(ids).toHaveLength(20);
    const conf = config({ maxAttempts: 1 });
    let failing = true;
    const seen: string[] = [];
    // Recorded here and asserted below: an `expect` failing inside the handler would be
    // a handler failure to kf (retried, error-listed), and the test a time-out.
    const handed: Array<{ attempts: number; redelivered: boolean }> = [];
    const n = await node(conf, [t]);
    await n.run({
      eachMessage: async ({ message, unit }) => {
        if (failing) throw new Error('downstream is down');
        handed.push({ attempts: unit.attempts, redelivered: message.redelivered });
        seen.push(String(message.value));
      },
    });
    // Every offset on the error list, not just some: a range scheduled on a later tick
    // (the high watermark read before the last send was seen) would otherwise run fresh
    // once the handler stops failing, and not be a requeue at all.
    const listedOffsets = async () =>
      (await n.errors.list({ limit: 1_000 })).reduce(
        (sum, e) => sum + (typeof e.unit === 'string' ? 0 : e.unit.len),
        0,
      );
    await until(waitUntil, async () => (await listedOffsets()) === ids.length, 'all error-listed');
    await until(waitUntil, () => n.status().inFlight === 0, 'idle');
    failing = false;
    const listed = await n.errors.count();
    expect(await n.errors.requeue()).toEqual({ requeued: listed, partitionBusy: 0, unreadable: 0 });
    await delivered(ids, () => seen, 'the requeued units consumed');
    expect(await n.errors.count()).toBe(0);
    // Each requeued unit starts afresh, flagged: its messages were handed out before.
    expect(handed).toEqual(ids.map(() => ({ attempts: 0, redelivered: true })));
  });

  test('malformed units pushed by hand are error-listed with a reason and work goes on', async () => {
    const t = await topic('node-malformed', 1);
    const conf = config();
    const n = await node(conf, [t]);
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    const bad = [
      'not json',
      JSON.stringify({ id: 'x/0/0', topic: 'x', partition: 0, offset: 0, attempts: 0, ts: 1 }),
      JSON.stringify({
        id: 'x/0/-5',
        topic: 'x',
        partition: 0,
        offset: -5,
        len: 3,
        attempts: 0,
        ts: 1,
      }),
    ];
    await withRedis(stack.redis.info, (c) =>
      c.call('LPUSH', `kf:{${conf.redis.groupName}}:work`, ...bad),
    );
    await until(waitUntil, async () => (await n.errors.count()) === 3, 'three error-listed');
    const entries = await n.errors.list();
    expect(entries.map((e) => e.reason)).toEqual([
      'MALFORMED_UNIT',
      'MALFORMED_UNIT',
      'MALFORMED_UNIT',
    ]);
    expect(entries.map((e) => e.detail)).toEqual([
      'not JSON',
      'len: Invalid input: expected number, received undefined',
      expect.stringMatching(/^offset: /),
    ]);
    expect(entries.map((e) => e.unit).sort()).toEqual([...bad].sort());
    const ids = await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    expect(ids).toHaveLength(10);
    await delivered(ids, () => seen, 'later messages still consumed');
    expect(tally(seen).duplicates).toBe(0);
  });

  test('a unit of a partition or topic that does not exist is error-listed with its reason', async () => {
    const t = await topic('node-unknown-partition', 1);
    const conf = config();
    const n = await node(conf, [t]);
    await n.run({ eachMessage: async () => undefined });
    const unit = (topicName: string, partition: number) =>
      JSON.stringify({
        id: `${topicName}/${partition}/0`,
        topic: topicName,
        partition,
        offset: 0,
        len: 5,
        attempts: 0,
        ts: 1,
      });
    const bad = [unit(t, 7), unit('node-no-such-topic', 0)];
    await withRedis(stack.redis.info, (c) =>
      c.call('LPUSH', `kf:{${conf.redis.groupName}}:work`, ...bad),
    );
    // Each is error-listed at its first fetch, once kafkajs's metadata retries for the
    // missing topic ran out (3, from 300 ms doubling: about 2 s). No timing claim.
    await until(waitUntil, async () => (await n.errors.count()) === 2, 'both error-listed');
    const entries = await n.errors.list();
    expect(entries.map((e) => e.reason)).toEqual([
      'UNKNOWN_TOPIC_OR_PARTITION',
      'UNKNOWN_TOPIC_OR_PARTITION',
    ]);
    expect(entries.map((e) => (e.unit as { topic: string }).topic).sort()).toEqual(
      [t, 'node-no-such-topic'].sort(),
    );
  });

  test('partition ordering delivers each partition in offset order across nodes', async () => {
    const t = await topic('node-ordered', 3);
    expect(await produceIds(stack.producer, t, { count: 3_000, partitions: 3 })).toHaveLength(
      3_000,
    );
    const conf = config({ ordering: 'partition', consumeStep: 100 });
    const order: Array<{ partition: number; offset: number }> = [];
    for (let i = 0; i < 3; i++) {
      const n = await node(conf, [t]);
      await n.run({
        eachMessage: async ({ message }) => {
          order.push({ partition: message.partition, offset: message.offset });
        },
      });
    }
    await until(waitUntil, () => order.length >= 3_000, 'all messages');
    for (const p of [0, 1, 2]) {
      const offsets = order.filter((o) => o.partition === p).map((o) => o.offset);
      expect(offsets).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    }
  });

  test('topics added and removed apply to the whole group, live', async () => {
    const a = await topic('node-topic-a', 1);
    const b = await topic('node-topic-b', 1);
    const conf = config({ useEarliest: false });
    const first = await node(conf, [a]);
    const second = await node(conf, [a]);
    const seen: string[] = [];
    for (const n of [first, second]) {
      await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    }
    const saved = () =>
      withRedis(stack.redis.info, (c) => c.call('HGETALL', `kf:{${conf.redis.groupName}}:offsets`));
    await until(
      waitUntil,
      async () => String(await saved()).includes(a),
      'a scheduled from its end',
    );
    await first.addTopics([b]);
    expect(await second.topics()).toEqual([a, b]);
    await until(waitUntil, async () => String(await saved()).includes(b), 'b picked up');
    const onB = await produceIds(stack.producer, b, { count: 50, partitions: 1 });
    expect(onB).toHaveLength(50);
    await until(waitUntil, () => onB.every((id) => seen.includes(id)), 'b consumed');
    await second.removeTopics([a]);
    expect(await first.topics()).toEqual([b]);
    const before = await saved();
    const removed = await produceIds(stack.producer, a, {
      count: 50,
      partitions: 1,
      prefix: 'after-remove',
    });
    expect(removed).toHaveLength(50);
    const later = await produceIds(stack.producer, b, { count: 10, partitions: 1, start: 50 });
    expect(later).toHaveLength(10);
    await until(waitUntil, () => later.every((id) => seen.includes(id)), 'b still consumed');
    expect(seen.some((id) => id.startsWith('after-remove'))).toBe(false);
    const after = (await saved()) as string[];
    expect(after[after.indexOf(`${a}/0`) + 1]).toBe(
      (before as string[])[(before as string[]).indexOf(`${a}/0`) + 1],
    );
  });

  test('the iterator completes a unit only after the loop moved past its last message', async () => {
    const t = await topic('node-iterator', 1);
    expect(await produceIds(stack.producer, t, { count: 30, partitions: 1 })).toHaveLength(30);
    const conf = config({ consumeStep: 10, concurrency: 1 });
    // In the file's cleanup too (close is idempotent): closed even if the test fails
    // before the loop ends.
    const n = await node(conf, [t]);
    const completed: number[] = [];
    n.on('unitCompleted', (e) => completed.push(e.remainderFrom ?? e.unit.offset + e.unit.len));
    const got: number[] = [];
    for await (const message of n) {
      got.push(message.offset);
      // While the loop holds a unit's last message, that unit is not complete.
      if (message.offset % 10 === 9) expect(completed).not.toContain(message.offset + 1);
      if (got.length === 25) break;
    }
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // The unit the loop left mid-way completed up to where the loop got.
    expect(completed).toEqual([10, 20, 25]);
    expect(n.status().state).toBe('closed');
    // The loop left mid-unit: the rest of that unit is queued again, nothing lost.
    const again = await node(conf, [t]);
    const rest: number[] = [];
    await again.run({ eachMessage: async ({ message }) => void rest.push(message.offset) });
    await until(waitUntil, () => rest.length === 5, 'the remainder');
    expect(rest).toEqual([25, 26, 27, 28, 29]);
  });

  test('a node closed after consuming leaves no connection to the brokers open: its process can end by itself', async () => {
    const t = await topic('node-close-sockets', 3);
    const ids = await produceIds(stack.producer, t, { count: 300, partitions: 3 });
    const port = Number(stack.kafka.info.brokers[0]?.split(':').at(-1));
    /** Open sockets to the broker: the stack's producer holds some from before the node. */
    const brokerSockets = () =>
      (process as unknown as { _getActiveHandles(): unknown[] })
        ._getActiveHandles()
        .filter((h): h is Socket => h instanceof Socket && h.remotePort === port && !h.destroyed);
    const before = new Set(brokerSockets());
    const n = await node(config(), [t]);
    const seen: string[] = [];
    await n.run({
      eachMessage: async ({ message }) => void seen.push(message.value?.toString() ?? ''),
    });
    await delivered(ids, () => seen, 'every message');
    await n.close();
    // Sockets end once their close is read: CLOSE_SETTLE_MS is ample on a loaded machine.
    await delay(CLOSE_SETTLE_MS);
    const left = brokerSockets().filter((socket) => !before.has(socket));
    expect(left.map((socket) => `127.0.0.1:${socket.localPort} → ${port}`)).toEqual([]);
  });

  test('close mid-unit completes what user code finished and queues the rest', async () => {
    const t = await topic('node-close', 1);
    expect(await produceIds(stack.producer, t, { count: 100, partitions: 1 })).toHaveLength(100);
    const conf = config({ consumeStep: 100, concurrency: 1 });
    // In the file's cleanup too (close is idempotent): closed even if the test fails
    // before the handler closes it.
    const n = await node(conf, [t]);
    const first: number[] = [];
    let closing: Promise<void> | undefined;
    await n.run({
      eachMessage: async ({ message }) => {
        first.push(message.offset);
        if (message.offset === 39) closing = n.close();
      },
    });
    await until(waitUntil, () => closing !== undefined, 'close started');
    await closing;
    expect(first).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const again = await node(conf, [t]);
    const rest: number[] = [];
    await again.run({ eachMessage: async ({ message }) => void rest.push(message.offset) });
    await until(waitUntil, () => rest.length === 60, 'the remainder');
    expect(rest[0]).toBe(40);
    const keys = await withRedis(stack.redis.info, (c) =>
      c.call('KEYS', `kf:{${conf.redis.groupName}}:working:*`),
    );
    expect(keys).toEqual([]);
  });

  test('a hung handler times out, its unit is retried, and other units keep flowing', async () => {
    const t = await topic('node-hang', 2);
    const ids = await produceIds(stack.producer, t, { count: 200, partitions: 2 });
    expect(ids).toHaveLength(200);
    const conf = config({
      consumeStep: 20,
      handlerTimeoutMs: 300,
      retryBackoffMs: 10,
      maxRetryBackoffMs: 10,
    });
    const n = await node(conf, [t]);
    let hung = false;
    const seen = new Set<string>();
    const failures: unknown[] = [];
    n.on('unitFailed', (e) => failures.push(e.error));
    await n.run({
      eachMessage: async ({ message }) => {
        if (!hung && message.offset === 5 && message.partition === 0) {
          hung = true;
          await new Promise(() => undefined);
        }
        seen.add(String(message.value));
      },
    });
    await delivered(ids, () => seen, 'every message despite the hang');
    expect(failures).toHaveLength(1);
    expect((failures[0] as { code?: string }).code).toBe('KF_HANDLER_TIMEOUT');
  });

  test('zero-length values and tombstones are delivered', async () => {
    const t = await topic('node-nulls', 1);
    await stack.producer.send({
      topic: t,
      acks: -1,
      messages: [
        { key: 'empty', value: Buffer.alloc(0) },
        { key: 'tomb', value: null },
        { key: 'full', value: 'x', headers: { h: 'v' } },
      ],
    });
    const n = await node(config(), [t]);
    const got: Array<{ key: string; value: Buffer | null; headers: number }> = [];
    await n.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages)
          got.push({ key: String(m.key), value: m.value, headers: m.headers.length });
      },
    });
    await until(waitUntil, () => got.length === 3, 'three messages');
    // Unordered: the three may arrive as three units, in any order.
    expect(got.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'empty', value: Buffer.alloc(0), headers: 0 },
      { key: 'full', value: Buffer.from('x'), headers: 1 },
      { key: 'tomb', value: null, headers: 0 },
    ]);
  });

  test('leadership moves to another node when the leader closes, with a higher epoch', async () => {
    const t = await topic('node-leader', 1);
    const conf = config();
    const gained: Array<{ nodeId: string; epoch: number }> = [];
    // In the file's cleanup too (close is idempotent): closed even if the test fails
    // before it closes the node itself.
    const first = await node(conf, [t], { nodeId: 'leader-a' });
    first.on('leaderGained', (e) => gained.push(e));
    await until(waitUntil, () => first.status().leader, 'the first node leads');
    const second = await node(conf, [t]);
    second.on('leaderGained', (e) => gained.push(e));
    const lost: string[] = [];
    first.on('leaderLost', (e) => lost.push(e.reason));
    expect(second.status().leader).toBe(false);
    await first.close();
    await until(waitUntil, () => second.status().leader, 'the second node leads');
    expect(lost).toEqual(['closing']);
    expect(gained.map((g) => g.nodeId)).toEqual(['leader-a', second.nodeId]);
    expect(gained[1]?.epoch).toBeGreaterThan(gained[0]?.epoch ?? Number.POSITIVE_INFINITY);
  });

  test("a dead leader's lock is taken over once its TTL ran out, within two ticks", async () => {
    const t = await topic('node-takeover', 1);
    const conf = config({
      leaderLockTtlMs: TAKEOVER_LOCK_TTL_MS,
      workCalculateFreq: TAKEOVER_TICK_MS,
    });
    const { epoch, leader } = groupKeys(conf.redis.groupName);
    const lock = (ttlMs: number) =>
      withRedis(stack.redis.info, async (c) => {
        const at = performance.now();
        await c.call('SET', leader, 'dead-leader', 'PX', String(ttlMs));
        return at;
      });
    // A leader in its first term: the node starts as a follower (the lock held long
    // enough for its start), its listener attached before anything can change.
    await withRedis(stack.redis.info, (c) => c.call('SET', epoch, '1'));
    await lock(60_000);
    const n = await node(conf, [t]);
    const gained: Array<{ epoch: number; at: number }> = [];
    n.on('leaderGained', (e) => gained.push({ epoch: e.epoch, at: performance.now() }));
    expect(n.status().leader).toBe(false);
    // Its last renewal, and then it dies: nobody renews or releases the lock.
    const renewedAt = await lock(TAKEOVER_LOCK_TTL_MS);
    await until(waitUntil, () => gained.length > 0, 'a new leader', 2 * TAKEOVER_BOUND_MS);
    const takeoverMs = (gained[0]?.at ?? Number.NaN) - renewedAt;
    expect(gained.map((g) => g.epoch)).toEqual([2]);
    // Not before the lock ran out (1 ms: Redis keeps expiry times in whole milliseconds).
    expect(takeoverMs).toBeGreaterThanOrEqual(TAKEOVER_LOCK_TTL_MS - 1);
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
  });

  test("the leader recovers a dead node's claimed units once its lease expired", async () => {
    const t = await topic('node-recover', 1);
    const ids = await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    expect(ids).toHaveLength(10);
    const conf = config({ leaseTtlMs: 500 });
    const group = `kf:{${conf.redis.groupName}}`;
    // A node that claimed the whole range and died: its lease is already in the past.
    const unit = wholeRange(t, 10);
    await withRedis(stack.redis.info, async (c) => {
      await c.call('RPUSH', `${group}:working:ghost`, unit);
      await c.call('ZADD', `${group}:pending:${t}/0`, '0', `${t}/0/0`);
      await c.call('HSET', `${group}:offsets`, `${t}/0`, '10');
      await c.call('ZADD', `${group}:nodes`, '1', 'ghost');
    });
    const n = await node(conf, [t]);
    const recovered: Array<{ nodeId: string; units: number }> = [];
    n.on('nodeRecovered', (e) => recovered.push(e));
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length === ids.length, "the dead node's range consumed");
    expect(recovered).toEqual([{ nodeId: 'ghost', recoveredBy: n.nodeId, units: 1 }]);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  test("a unit in a live node's working list that the node never held is queued again and delivered", async () => {
    const t = await topic('node-orphan', 1);
    const ids = await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    expect(ids).toHaveLength(10);
    const conf = config({ leaseTtlMs: 1_000 });
    const group = `kf:{${conf.redis.groupName}}`;
    const n = await node(conf, [t]);
    // What a claim whose reply was lost leaves behind: the unit moved into this live
    // node's list, and the node never saw it. The organiser has already passed it.
    const unit = wholeRange(t, 10);
    await withRedis(stack.redis.info, async (c) => {
      await c.call('HSET', `${group}:offsets`, `${t}/0`, '10');
      await c.call('ZADD', `${group}:pending:${t}/0`, '0', `${t}/0/0`);
      await c.call('RPUSH', `${group}:working:${n.nodeId}`, unit);
    });
    const requeued: Array<{ nodeId: string; units: number }> = [];
    n.on('orphansRequeued', (e) => requeued.push(e));
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(waitUntil, () => seen.length === ids.length, 'the orphaned range consumed');
    expect(requeued).toEqual([{ nodeId: n.nodeId, units: 1 }]);
    expect(seen.sort()).toEqual([...ids].sort());
    const left = await withRedis(stack.redis.info, (c) => c.llen(`${group}:working:${n.nodeId}`));
    expect(left).toBe(0);
  });

  test('waitReplicas on a server without replicas warns once and scheduling goes on', async () => {
    const t = await topic('node-wait-replicas', 2);
    const ids = await produceIds(stack.producer, t, { count: 400, partitions: 2 });
    expect(ids).toHaveLength(400);
    const warnings: string[] = [];
    const logger = {
      ...silentLogger,
      warn: (_: object, message: string) => warnings.push(message),
    };
    const conf = config({ waitReplicas: 1, waitTimeoutMs: 50, consumeStep: 50 });
    const n = await node(conf, [t], { logger });
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await delivered(ids, () => seen, 'every message');
    const short = warnings.filter((w) => w.includes('conf.waitReplicas'));
    expect(short).toHaveLength(1);
  });

  test('a saved offset above the log end is reset to the latest (useEarliest off), reported with what it leaves out, and consumption goes on', async () => {
    const t = await topic('node-ahead', 1);
    expect(await produceIds(stack.producer, t, { count: 5, partitions: 1 })).toHaveLength(5);
    const { moved, seen } = await fromSavedOffset(config({ useEarliest: false }), t, 1000);
    await until(waitUntil, () => moved.length === 2, 'the reset reported');
    expect(moved).toEqual([
      { topic: t, partition: 0, from: 5, to: 1000, reason: 'reset-ahead' },
      { topic: t, partition: 0, from: 0, to: 5, reason: 'reset-skipped' },
    ]);
    const later = await produceIds(stack.producer, t, { count: 5, partitions: 1, start: 5 });
    expect(later).toHaveLength(5);
    await until(waitUntil, () => seen.length === 5, 'what came after the reset');
    expect(seen.sort()).toEqual([...later].sort());
  });

  test('offsets deleted before they were scheduled are reported and scheduling goes on from the earliest', async () => {
    const t = await topic('node-retention', 1);
    const ids = await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    expect(ids).toHaveLength(20);
    const admin = kafkaClient(stack.kafka.info.brokers, 'kf-node-test-admin').admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [t] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '12' }] });
    await admin.disconnect();
    const { moved, seen } = await fromSavedOffset(config(), t, 3);
    await until(waitUntil, () => seen.length === 8, 'the offsets still held');
    expect(moved).toEqual([{ topic: t, partition: 0, from: 3, to: 12, reason: 'retention' }]);
    expect(seen.sort()).toEqual(ids.slice(12).sort());
  });

  test('an invalid config fails before any connection, naming the field', async () => {
    const bad = { ...config(), conf: { consumeStep: 0 } };
    const error = await startError(bad, ['x']);
    expect(error).toMatchObject({
      code: 'KF_CONFIG_INVALID',
      issues: [{ path: 'conf.consumeStep' }],
    });
    const badTopic = await startError(config(), ['ok', 'not a topic']);
    expect(badTopic).toMatchObject({ code: 'KF_CONFIG_INVALID', issues: [{ path: 'topics[1]' }] });
  });

  test('a wrong Redis password fails the start with a typed error, the password nowhere in it', async () => {
    const secured = await startRedisSingle({ password: 'right-secret' });
    try {
      const base = config();
      const wrong = {
        ...base,
        redis: { ...base.redis, port: secured.info.port, password: 'wrong-secret' },
      };
      // A wrong password is refused at once: 5 s only bounds a failing test.
      const error = await startError(wrong, ['x'], { startTimeoutMs: 5_000 });
      expect(error).toMatchObject({ code: 'KF_NODE_START_FAILED', service: 'redis' });
      expect(String((error as Error).message)).toMatch(/WRONGPASS|invalid username-password/i);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(
        'wrong-secret',
      );
    } finally {
      await secured.stop();
    }
  });

  test('an unreachable Redis or Kafka fails the start with a typed error within the bound', async () => {
    const base = config();
    const timed = async (input: typeof base) => {
      const started = performance.now();
      const error = await startError(input, ['x'], { startTimeoutMs: START_TIMEOUT_MS });
      return { error, ms: performance.now() - started };
    };
    const noRedis = await timed({ ...base, redis: { ...base.redis, port: 1 } });
    const noKafka = await timed({ ...base, bootstrapBrokers: ['127.0.0.1:1'] });
    expect(noRedis.error).toMatchObject({ code: 'KF_NODE_START_FAILED', service: 'redis' });
    expect(noKafka.error).toMatchObject({ code: 'KF_NODE_START_FAILED', service: 'kafka' });
    // Each service is waited on for at most startTimeoutMs, then what the start opened is
    // closed. Redis refused: its client retries until the deadline (measured 2 003–2 062
    // ms with a 2 s bound). Kafka refused: kafkajs gives up sooner (0.5–0.7 s), after
    // a PING to the running Redis. Margin 500 ms: closing clients that never connected,
    // and timers late on a 2-core machine shared with other test runs.
    expect(noRedis.ms).toBeLessThan(START_TIMEOUT_MS + 500);
    expect(noKafka.ms).toBeLessThan(START_TIMEOUT_MS + 500);
  });
});
