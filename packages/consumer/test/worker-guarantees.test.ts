import { createRedis } from '@kf/core';
import { startRedisSingle, waitUntil } from '@kf/devstack';
import {
  ConnectionClosedError,
  type IRedis,
  type Logger,
  type RedisScript,
  silentLogger,
} from '@kf/protocol';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { createNode } from '../src/index.js';
import { faultyRedis, observedRedis } from './support/faulty-redis.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, tally, until } from './support/produce.js';
import { redisCaller } from './support/redis-call.js';
import { useKafkaRedis } from './support/stack.js';

// How long a failed unit's hand-back keeps failing: longer than two of the claim loop's
// blocking waits (500 ms each), so the loop looks for a free slot while it still retries.
const HAND_BACK_OUTAGE_MS = 1_500;
// How long a node's scripts are refused (NOPERM) in the settlement test: under the lease
// TTL below, so the node keeps its lease and only the settlement is at stake.
const NOPERM_MS = 1_000;
const SHORT_LEASE_MS = 2_000;

/**
 * The worker's side of the guarantee under ordinary trouble: a slot is never lost, a
 * claim needs a live lease, a unit always ends in a known state, and user code of one
 * partition never runs twice at once under `ordering: 'partition'`.
 */
describe('worker guarantees on one Redis and one Kafka broker', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-worker-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'worker-test',
    conf: { useEarliest: true },
  });
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const redisCall = redisCaller(stack);

  /** How many clients of the test's Redis are blocked in a command now. */
  async function blockedClients(): Promise<number> {
    const list = String(await redisCall('CLIENT', 'LIST'));
    return list.split('\n').filter((line) => /\bflags=\S*b/.test(line)).length;
  }

  test('the claim loop goes on claiming while a failed unit is handed back through a Redis outage', async () => {
    const t = await topic('wg-claim-loop', 1);
    const ids = await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    let failUntil = 0;
    let handBackFailures = 0;
    const conf = config({ consumeStep: 10, retryBackoffMs: 50, maxRetryBackoffMs: 50 });
    const n = await node(conf, [t], {
      redisFactory: faultyRedis((script: RedisScript) => {
        if (script.name !== 'fail-unit' || Date.now() >= failUntil) return undefined;
        handBackFailures += 1;
        return new ConnectionClosedError('injected: the connection was lost');
      }),
    });
    const seen = new Set<string>();
    let thrown = false;
    await n.run({
      concurrency: 1,
      eachMessage: async ({ message }) => {
        if (!thrown) {
          thrown = true;
          failUntil = Date.now() + HAND_BACK_OUTAGE_MS;
          throw new Error('fails once');
        }
        seen.add(String(message.value));
      },
    });
    await until(waitUntil, () => seen.size === ids.length, 'every message, the failed one too');
    expect(handBackFailures).toBeGreaterThan(1);
  });

  test('a node fills every free slot with one claim: four queued units, one round trip', async () => {
    const t = await topic('wg-claim-many', 4);
    const ids = await produceIds(stack.producer, t, { count: 4, partitions: 4 });
    // Units taken by each claim that took any.
    const claims: number[] = [];
    const n = await node(config({ concurrency: 4 }), [t], {
      redisFactory: observedRedis((script, reply) => {
        if (script.name === 'claim-unit' && Array.isArray(reply) && reply[0] === 1) {
          claims.push(reply.length - 1);
        }
      }),
    });
    const seen = new Set<string>();
    await n.run({
      eachMessage: async ({ message }) => {
        seen.add(String(message.value));
      },
    });
    await until(waitUntil, () => seen.size === ids.length, 'every message');
    // The leader's first tick queues the four partitions' units in one script; the claim
    // that follows finds all four and four free slots (one claim per unit before).
    expect(claims).toEqual([4]);
  });

  test('an idle node waits for work without a claim script after each wait that saw none', async () => {
    const t = await topic('wg-idle-claims', 1);
    let claims = 0;
    const n = await node(config(), [t], {
      redisFactory: observedRedis((script) => {
        if (script.name === 'claim-unit') claims += 1;
      }),
    });
    const seen = new Set<string>();
    await n.run({
      eachMessage: async ({ message }) => {
        seen.add(String(message.value));
      },
    });
    // Three of the claim loop's 500 ms waits: a claim after each would be three scripts.
    await until(waitUntil, () => claims >= 1, 'the first claim');
    const before = claims;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(claims - before).toBe(0);
    // Work still gets claimed as soon as the wait sees it.
    const ids = await produceIds(stack.producer, t, { count: 3, partitions: 1 });
    await until(waitUntil, () => seen.size === ids.length, 'every message');
    expect(claims).toBeGreaterThan(before);
  });

  test('an idle node whose blocking waits are refused still claims queued work with its claim script', async () => {
    const t = await topic('wg-wait-refused', 1);
    const n = await node(config(), [t]);
    const seen = new Set<string>();
    const failures: unknown[] = [];
    n.on('error', (error) => failures.push(error));
    await n.run({
      eachMessage: async ({ message }) => {
        seen.add(String(message.value));
      },
    });
    // Idle past one of the claim loop's 500 ms waits (CLAIM_WAIT_MS): the last one saw
    // nothing, and the loop now waits without claiming.
    await new Promise((resolve) => setTimeout(resolve, 500 + 300));
    // Only the blocking command is refused; scripts (and the LMOVE inside them) still run.
    await redisCall('ACL', 'SETUSER', 'default', '-blmove');
    try {
      // Past the wait under way, which the refusal does not end: it saw nothing too, and
      // the waits after it are refused.
      await new Promise((resolve) => setTimeout(resolve, 500 + 300));
      const ids = await produceIds(stack.producer, t, { count: 2, partitions: 1 });
      // A failed wait is followed by a pause of at most 2 s (CLAIM_PAUSE_MAX_MS) and then a
      // claim; the margin covers the leader's tick and a loaded machine.
      await until(waitUntil, () => seen.size === ids.length, 'every message', 2_000 + 2_000);
    } finally {
      await redisCall('ACL', 'SETUSER', 'default', '+blmove');
    }
    expect(failures.length).toBeGreaterThan(0);
  });

  test('a node whose lease was dropped (recovered while it stalled) claims nothing until it renewed', async () => {
    const t = await topic('wg-lease', 1);
    // Renewals every 10 s: the node would otherwise claim long before it notices.
    const conf = config({ leaseTtlMs: 30_000 });
    const n = await node(conf, [t]);
    const nodesKey = `kf:{${conf.redis.groupName}}:nodes`;
    const unleased: number[] = [];
    const seen = new Set<string>();
    const lost: string[] = [];
    n.on('leaseLost', (e) => lost.push(e.nodeId));
    await n.run({
      eachMessage: async ({ message }) => {
        // Checked while the unit is claimed: its claim must have been made under a lease.
        if ((await redisCall('ZSCORE', nodesKey, n.nodeId)) === null) unleased.push(message.offset);
        seen.add(String(message.value));
      },
    });
    // What the leader's recovery does to a node whose lease ran out while it stalled.
    await redisCall('ZREM', nodesKey, n.nodeId);
    const ids = await produceIds(stack.producer, t, { count: 5, partitions: 1 });
    await until(waitUntil, () => seen.size === ids.length, 'every message');
    expect(unleased).toEqual([]);
    expect(lost).toEqual([n.nodeId]);
  });

  test('a blocked claim that outlives its closed node cannot take a unit with it', async () => {
    const t = await topic('wg-left', 1);
    const conf = config({ leaseTtlMs: SHORT_LEASE_MS });
    const keepers = await node(conf, [t]);
    const seen = new Set<string>();
    await keepers.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    // An adapter whose blocking move gives up on the client side long before the server
    // does: the command stays blocked on the server after the node has closed.
    const leaky = new Redis({ host: stack.redis.info.host, port: stack.redis.info.port });
    cleanups.push(async () => leaky.disconnect());
    const leaving = await createNode(conf, [t], {
      redisFactory: async (redisConf) => abandonsBlockedMoves(await createRedis(redisConf), leaky),
    });
    await leaving.run({ eachMessage: async () => undefined });
    // Two blocked: the node that stays, and the leaving node's command.
    await until(waitUntil, async () => (await blockedClients()) >= 2, 'a blocked claim');
    await leaving.close();
    // Every message produced now must reach the node that stayed.
    const ids = await produceIds(stack.producer, t, { count: 30, partitions: 1 });
    await until(waitUntil, () => seen.size === ids.length, 'every message at the node that stayed');
    const working = await redisCall(
      'LLEN',
      `kf:{${conf.redis.groupName}}:working:${leaving.nodeId}`,
    );
    expect(working).toBe(0);
  });

  test('a settlement Redis refuses for good (NOPERM) ends with the unit queued again and reported', async () => {
    const t = await topic('wg-noperm', 1);
    const user = 'kf-noperm';
    await redisCall('ACL', 'SETUSER', user, 'on', '>kf-secret', '~*', '&*', '+@all');
    const conf = config(
      { ordering: 'partition', consumeStep: 10, leaseTtlMs: SHORT_LEASE_MS },
      { username: user, password: 'kf-secret' },
    );
    const n = await node(conf, [t]);
    // The node leaves before its user does: a node whose user is gone cannot close cleanly.
    cleanups.push(async () => {
      await n.close();
      await redisCall('ACL', 'DELUSER', user);
    });
    const unsettled: string[] = [];
    n.on('settleFailed', (e) => unsettled.push(String(e.error)));
    const seen: string[] = [];
    let refused = false;
    await n.run({
      eachMessage: async ({ message }) => {
        if (!refused) {
          refused = true;
          await redisCall('ACL', 'SETUSER', user, '-eval', '-evalsha');
          setTimeout(() => void redisCall('ACL', 'SETUSER', user, '+eval', '+evalsha'), NOPERM_MS);
        }
        seen.push(String(message.value));
      },
    });
    const first = await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    // Under partition ordering the next unit is scheduled only once this one is settled.
    const second = await produceIds(stack.producer, t, { count: 10, partitions: 1, start: 10 });
    await until(
      waitUntil,
      () => new Set(seen).size === first.length + second.length,
      'every message, the partition going on after the refused settlement',
    );
    const { counts } = tally(seen);
    expect([...counts.keys()].sort()).toEqual([...first, ...second].sort());
    expect(unsettled.length).toBeGreaterThan(0);
    expect(unsettled[0]).toMatch(/NOPERM/);
  });

  test('a node warns at start when its Redis may evict keys (maxmemory-policy not noeviction)', async () => {
    const t = await topic('wg-policy', 1);
    await redisCall('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    cleanups.push(() => redisCall('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'));
    const warnings: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (obj: unknown, msg?: string) => void warnings.push(`${msg} ${JSON.stringify(obj)}`),
    };
    await node(config(), [t], { logger });
    await until(
      waitUntil,
      () => warnings.some((w) => w.includes('allkeys-lru') && w.includes('noeviction')),
      'a warning naming the policy',
      5_000,
    );
  });

  test('under partition ordering a timed-out handler that runs on holds its partition until it settles', async () => {
    const t = await topic('wg-overrun', 1);
    const timeoutMs = 200;
    const overrunMs = 5 * timeoutMs;
    const conf = config({
      ordering: 'partition',
      consumeStep: 5,
      handlerTimeoutMs: timeoutMs,
      retryBackoffMs: 10,
      maxRetryBackoffMs: 10,
    });
    const n = await node(conf, [t]);
    const overruns: number[] = [];
    n.on('handlerOverrun', (e) => overruns.push(e.overrunMs));
    const calls: Array<{ offset: number; from: number; to: number }> = [];
    let hung: 'not yet' | 'running' | 'settled' = 'not yet';
    await n.run({
      eachMessage: async ({ message }) => {
        const from = performance.now();
        if (hung === 'not yet') {
          hung = 'running';
          // Ignores its signal: keeps running well past its time.
          await new Promise((resolve) => setTimeout(resolve, overrunMs));
          hung = 'settled';
        }
        calls.push({ offset: message.offset, from, to: performance.now() });
      },
    });
    await produceIds(stack.producer, t, { count: 15, partitions: 1 });
    await until(
      waitUntil,
      () => hung === 'settled' && new Set(calls.map((c) => c.offset)).size === 15,
      'every offset, and the hung call settled',
    );
    const sorted = [...calls].sort((a, b) => a.from - b.from);
    const overlaps = sorted.filter((c, i) => i > 0 && c.from < (sorted[i - 1]?.to ?? 0));
    expect(overlaps).toEqual([]);
    expect(overruns).toHaveLength(1);
    expect(overruns[0]).toBeGreaterThan(0);
  });

  test('the async iterator holds each message to handlerTimeoutMs too', async () => {
    const t = await topic('wg-iterator-limit', 1);
    const timeoutMs = 200;
    const n = await node(config({ handlerTimeoutMs: timeoutMs, retryBackoffMs: 10 }), [t]);
    const failures: unknown[] = [];
    n.on('unitFailed', (e) => failures.push(e.error));
    const ids = await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    const seen = new Set<string>();
    let held = false;
    for await (const message of n) {
      if (!held) {
        held = true;
        // The loop body runs well past the limit on its first message.
        await new Promise((resolve) => setTimeout(resolve, 3 * timeoutMs));
        continue;
      }
      seen.add(String(message.value));
      if (seen.size === ids.length) break;
    }
    expect((failures[0] as { code?: string } | undefined)?.code).toBe('KF_HANDLER_TIMEOUT');
  });

  test("the async iterator's limit runs from when the loop takes a message, not while it waits in line", async () => {
    const t = await topic('wg-iterator-queue', 4);
    const timeoutMs = 150;
    // Four units offer at once to one loop of 40 ms a message: a message waits up to
    // 3 × 40 ms in line, each loop body is well inside the limit.
    const n = await node(config({ handlerTimeoutMs: timeoutMs, consumeStep: 5 }), [t]);
    const failures: unknown[] = [];
    n.on('unitFailed', (e) => failures.push(e.error));
    const ids = await produceIds(stack.producer, t, { count: 40, partitions: 4 });
    const seen = new Set<string>();
    for await (const message of n) {
      await new Promise((resolve) => setTimeout(resolve, 40));
      seen.add(String(message.value));
      if (seen.size === ids.length) break;
    }
    expect(failures).toEqual([]);
  });

  test('an event listener that throws leaves the unit and the node working', async () => {
    const t = await topic('wg-listener-throws', 1);
    const errors: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      error: (obj: unknown, msg?: string) => void errors.push(`${msg} ${JSON.stringify(obj)}`),
    };
    const n = await node(config({ consumeStep: 5 }), [t], { logger });
    n.on('unitClaimed', () => {
      throw new Error('a listener bug');
    });
    const seen = new Set<string>();
    await n.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    const ids = await produceIds(stack.producer, t, { count: 20, partitions: 1 });
    await until(waitUntil, () => seen.size === ids.length, 'every message');
    await until(waitUntil, async () => n.status().inFlight === 0, 'every unit settled');
    expect(errors.some((e) => e.includes('an event listener threw'))).toBe(true);
  });

  test('a slow but steady handler (10 ms a message) over a unit longer than its limit never has a message error-listed', async () => {
    const t = await topic('wg-slow', 1);
    // At defaults a unit of 10000 offsets meets a 30 s limit at 3 ms a message; scaled
    // here: 100 offsets at 10 ms is 1 s of steady progress against a 300 ms limit per call.
    const conf = config({ handlerTimeoutMs: 300, maxAttempts: 2 });
    const n = await node(conf, [t]);
    const failed: unknown[] = [];
    n.on('unitFailed', (e) => failed.push(e.error));
    const seen: string[] = [];
    await n.run({
      concurrency: 1,
      eachMessage: async ({ message }) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        seen.push(String(message.value));
      },
    });
    const ids = await produceIds(stack.producer, t, { count: 100, partitions: 1 });
    await until(waitUntil, () => new Set(seen).size === ids.length, 'every message', 20_000);
    expect(await n.errors.count()).toBe(0);
    expect(failed).toEqual([]);
  });
});

/**
 * An adapter whose blocking move answers "nothing" after 50 ms while the command it sent
 * (on `leaky`, which nobody closes) stays blocked on the server for its whole timeout.
 */
function abandonsBlockedMoves(real: IRedis, leaky: Redis): IRedis {
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property === 'listBlockingMove') {
        return (
          from: string,
          to: string,
          options: { from: 'left' | 'right'; to: 'left' | 'right'; timeoutMs: number },
        ) => {
          void leaky
            .call('BLMOVE', from, to, options.from, options.to, String(options.timeoutMs / 1000))
            .catch(() => undefined);
          return new Promise<null>((resolve) => setTimeout(() => resolve(null), 50));
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
