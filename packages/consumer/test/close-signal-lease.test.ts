import { startRedisSingle, waitUntil } from '@kf/devstack';
import type { RedisScript } from '@kf/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import type { UnitCompletedEvent, UnitFailedEvent, UnitInfo } from '../src/index.js';
import { faultyRedis } from './support/faulty-redis.js';
import { type Gate, gate, within } from './support/gates.js';
import { keysOf } from './support/group-keys.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { redisCaller } from './support/redis-call.js';
import { useKafkaRedis } from './support/stack.js';

// Short leases, so a lapse and a close's wait for renewals in flight (at most a third of
// the TTL) cost little.
const LEASE_TTL_MS = 1_000;
// The organiser's tick (conf.workCalculateFreq).
const TICK_MS = 50;
// The organiser looks for expired leases at most every min(TTL / 4, 1 s).
const RECOVERY_PERIOD_MS = Math.min(LEASE_TTL_MS / 4, 1_000);
// A worker with a free slot waits for work in a blocking move of up to 500 ms
// (CLAIM_WAIT_MS in worker-pool.ts): a close waits for it to return.
const CLAIM_WAIT_MS = 500;
// Headroom for a shared two-core machine running other Kafka stacks.
const MARGIN_MS = 2_000;
// Waits for deliveries make no timing claim: their bound only ends a failing test. Each
// wait here is over in under 2 s on the 2-core development machine; 30 s leaves room
// for a machine shared with other test runs.
const DELIVERY_MS = 30_000;

/**
 * How a node leaves: `close()` with user code hung and a unit in its retry backoff, the
 * `signal` option, and a lease that lapsed while user code ran (`possibleDuplicate`,
 * `leaseLost`). The documented claims of the consumer README's `close`, `signal`,
 * `unitCompleted` and `leaseLost` rows, on real Redis and Kafka.
 */
describe('leaving the group: close(), the signal option, a lapsed lease', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-close-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'close-test',
    conf: { useEarliest: true, leaseTtlMs: LEASE_TTL_MS, workCalculateFreq: TICK_MS },
  });
  // Registered after useGroupNodes: runs before its afterEach closes the nodes, so no
  // close waits on user code a failed test left parked at a gate.
  const gates: Gate[] = [];
  afterEach(() => {
    for (const g of gates.splice(0)) g.open();
  });
  const parked = () => {
    const g = gate();
    gates.push(g);
    return g;
  };

  const redisCall = redisCaller(stack);

  test('close() gives up hung user code after timeoutMs, queues a unit waiting out its backoff at once, and drops the lease', async () => {
    const t = await topic('close-hung', 2);
    // Produced before the node starts: its first tick cuts each partition's 10 offsets
    // into one unit (conf.concurrency 1, so one free worker).
    await produceIds(stack.producer, t, { count: 20, partitions: 2 });
    const RETRY_BACKOFF_MS = 30_000;
    const CLOSE_TIMEOUT_MS = 300;
    const conf = config({
      concurrency: 1,
      consumeStep: 10,
      retryBackoffMs: RETRY_BACKOFF_MS,
      maxRetryBackoffMs: RETRY_BACKOFF_MS,
    });
    const keys = keysOf(conf.redis.groupName);
    const n = await node(conf, [t], { nodeId: 'close-hung-node' });
    const failed: UnitFailedEvent[] = [];
    n.on('unitFailed', (e) => failed.push(e));
    const completed: UnitCompletedEvent[] = [];
    n.on('unitCompleted', (e) => completed.push(e));
    const hang = parked();
    const finished: string[] = [];
    let hung = false;
    let threw = false;
    await n.run({
      concurrency: 2,
      eachMessage: async ({ message }) => {
        const at = `${message.partition}:${message.offset}`;
        if (at === '0:3') {
          hung = true;
          await hang.opened; // ignores its signal: only the close deadline ends the wait
        }
        if (at === '1:5' && !threw) {
          threw = true;
          throw new Error('fails once');
        }
        finished.push(at);
      },
    });
    // Partition 1's unit failed and waits out its backoff in the working list, holding no
    // slot: one unit in flight, the hung one.
    await until(
      waitUntil,
      () => hung && threw && n.status().inFlight === 1 && n.status().leader,
      'one call hung, one unit in its backoff',
      DELIVERY_MS,
    );
    const started = performance.now();
    // Bound: the claim loop's blocking wait, the close timeout, the lease's wait for
    // renewals in flight (a third of the TTL), plus the margin. The backoff (24–30 s after
    // jitter) is far beyond it: the waiting unit is not waited out.
    const closeBound = CLAIM_WAIT_MS + CLOSE_TIMEOUT_MS + LEASE_TTL_MS / 3 + MARGIN_MS;
    await within(n.close({ timeoutMs: CLOSE_TIMEOUT_MS }), closeBound, 'close()');
    const closeMs = performance.now() - started;
    expect(closeMs).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 5); // it did wait for user code
    expect(closeMs).toBeLessThan(closeBound);
    expect(n.status()).toEqual({
      nodeId: 'close-hung-node',
      state: 'closed',
      inFlight: 0,
      leader: false,
      paused: false,
    });

    // What user code finished: partition 0 up to the hung offset, partition 1 up to the throw.
    expect(finished.sort()).toEqual(
      [...range(0, 3).map((o) => `0:${o}`), ...range(0, 5).map((o) => `1:${o}`)].sort(),
    );
    expect(completed).toEqual([
      {
        nodeId: 'close-hung-node',
        unit: expect.objectContaining({ topic: t, partition: 0, offset: 0, len: 10 }),
        messages: 3,
        durationMs: expect.any(Number),
        remainderFrom: 3,
        possibleDuplicate: false,
      },
    ]);
    expect(failed).toEqual([
      expect.objectContaining({
        nodeId: 'close-hung-node',
        unit: expect.objectContaining({ topic: t, partition: 1, offset: 0, len: 10 }),
        outcome: 'requeued',
        retryInMs: expect.any(Number),
      }),
    ]);
    const retryInMs = failed[0]?.retryInMs ?? 0;
    expect(retryInMs).toBeGreaterThanOrEqual(0.8 * RETRY_BACKOFF_MS);
    expect(retryInMs).toBeLessThanOrEqual(RETRY_BACKOFF_MS);

    // In Redis: both rests queued, nothing claimed, no lease, no leader lock.
    const queued = ((await redisCall('LRANGE', keys.work, 0, -1)) as string[])
      .map((raw) => JSON.parse(raw) as Record<string, unknown>)
      .map(({ r, partition, offset, len, attempts }) => ({ r, partition, offset, len, attempts }))
      .sort((a, b) => Number(a.partition) - Number(b.partition));
    expect(queued).toEqual([
      // The hung call's record onwards, flagged: user code was handed offset 3.
      { r: 1, partition: 0, offset: 3, len: 7, attempts: 0 },
      // The failed unit's rest, at once instead of after its backoff, its attempt counted.
      { r: 1, partition: 1, offset: 5, len: 5, attempts: 1 },
    ]);
    expect(await redisCall('EXISTS', keys.working('close-hung-node'))).toBe(0);
    expect(await redisCall('ZSCORE', keys.nodes, 'close-hung-node')).toBeNull();
    expect(await redisCall('EXISTS', keys.leader)).toBe(0);

    // Another node runs exactly the rests: nothing lost, nothing finished run again.
    const again = await node(conf, [t]);
    const rest: Array<{ at: string; redelivered: boolean }> = [];
    await again.run({
      eachMessage: async ({ message }) =>
        void rest.push({
          at: `${message.partition}:${message.offset}`,
          redelivered: message.redelivered,
        }),
    });
    await until(
      waitUntil,
      async () => rest.length >= 12 && (await idle(conf.redis.groupName)),
      'the two rests',
      DELIVERY_MS,
    );
    expect(rest.map((r) => r.at).sort()).toEqual(
      [...range(3, 10).map((o) => `0:${o}`), ...range(5, 10).map((o) => `1:${o}`)].sort(),
    );
    expect(rest.every((r) => r.redelivered)).toBe(true);
  });

  test('aborting the signal option closes the node as close() does; an aborted signal yields a closed node', async () => {
    const t = await topic('close-signal', 1);
    const ids = await produceIds(stack.producer, t, { count: 5, partitions: 1 });
    const conf = config();
    const keys = keysOf(conf.redis.groupName);
    const controller = new AbortController();
    const n = await node(conf, [t], { nodeId: 'signal-node', signal: controller.signal });
    const seen: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await until(
      waitUntil,
      () => seen.length === ids.length && n.status().leader,
      'consumed, and leading',
      DELIVERY_MS,
    );
    expect(await redisCall('ZSCORE', keys.nodes, 'signal-node')).not.toBeNull();
    controller.abort();
    // Bound: nothing runs, so a close is the claim loop's blocking wait plus the lease's
    // wait for renewals in flight (a third of the TTL), plus the margin.
    await until(
      waitUntil,
      () => n.status().state === 'closed',
      'closed by its signal',
      CLAIM_WAIT_MS + LEASE_TTL_MS / 3 + MARGIN_MS,
    );
    expect(n.status()).toEqual({
      nodeId: 'signal-node',
      state: 'closed',
      inFlight: 0,
      leader: false,
      paused: false,
    });
    expect(await redisCall('ZSCORE', keys.nodes, 'signal-node')).toBeNull();
    expect(await redisCall('EXISTS', keys.leader)).toBe(0);
    await expect(n.addTopics(['other'])).rejects.toMatchObject({ code: 'KF_NODE_CLOSED' });

    // A signal aborted before createNode returns: the node comes back closed, not a member.
    const late = await node(conf, [t], { nodeId: 'aborted-node', signal: AbortSignal.abort() });
    expect(late.status().state).toBe('closed');
    expect(await redisCall('ZSCORE', keys.nodes, 'aborted-node')).toBeNull();
  });

  test('a node whose lease lapsed mid-unit completes it with possibleDuplicate, hands over no more of it, and reports leaseLost once it renews', async () => {
    const t = await topic('close-lapse', 1);
    await produceIds(stack.producer, t, { count: 10, partitions: 1 });
    const conf = config({ concurrency: 1, consumeStep: 10 });
    // The leader recovers the lapsed node; it consumes only once that happened.
    const leader = await node(conf, [t], { nodeId: 'lapse-leader' });
    const recovered: unknown[] = [];
    leader.on('nodeRecovered', (e) => recovered.push(e));
    await until(waitUntil, () => leader.status().leader, 'the first node leads', DELIVERY_MS);
    // Renewals refused on cue: the lease lapses on the server while user code runs, as
    // after a long stall, and nothing else about the node changes.
    let refuseRenewals = false;
    const victim = await node(conf, [t], {
      nodeId: 'lapse-victim',
      redisFactory: faultyRedis((script: RedisScript) =>
        refuseRenewals && script.name === 'renew-lease'
          ? new Error('injected: lease renewal refused')
          : undefined,
      ),
    });
    const claimed: UnitInfo[] = [];
    victim.on('unitClaimed', (e) => claimed.push(e.unit));
    const completed: UnitCompletedEvent[] = [];
    victim.on('unitCompleted', (e) => completed.push(e));
    const lost: unknown[] = [];
    victim.on('leaseLost', (e) => lost.push(e));
    const stall = parked();
    const deliveries: Array<{ node: string; offset: number; unit: UnitInfo }> = [];
    const handler =
      (nodeName: string) => async (payload: { message: { offset: number }; unit: UnitInfo }) => {
        if (deliveries.length === 0) {
          refuseRenewals = true;
          deliveries.push({ node: nodeName, offset: payload.message.offset, unit: payload.unit });
          await stall.opened;
          return;
        }
        deliveries.push({ node: nodeName, offset: payload.message.offset, unit: payload.unit });
      };
    await victim.run({ eachMessage: handler('victim') });

    // Bound: the lease lapses at most a TTL after the last renewal, the leader looks for
    // expired leases every RECOVERY_PERIOD_MS on a tick, plus the margin.
    await until(
      waitUntil,
      () => recovered.length > 0,
      'the lapsed node recovered by the leader',
      LEASE_TTL_MS + RECOVERY_PERIOD_MS + TICK_MS + MARGIN_MS,
    );
    expect(recovered).toEqual([{ nodeId: 'lapse-victim', recoveredBy: 'lapse-leader', units: 1 }]);
    stall.open();
    await until(waitUntil, () => completed.length === 1, 'the lapsed unit completed', DELIVERY_MS);
    const [unit] = claimed;
    if (unit === undefined) throw new Error('the victim claimed nothing');
    expect(unit).toMatchObject({ topic: t, partition: 0, offset: 0, redelivered: false });
    // The call in hand finished; the node handed over nothing more of a unit it had lost.
    expect(completed).toEqual([
      {
        nodeId: 'lapse-victim',
        unit,
        messages: 1,
        durationMs: expect.any(Number),
        remainderFrom: unit.offset + 1,
        possibleDuplicate: true,
      },
    ]);
    expect(lost).toEqual([]);

    refuseRenewals = false;
    // Bound: the next renewal on the lease timer (a third of the TTL), plus the margin.
    await until(waitUntil, () => lost.length > 0, 'leaseLost', LEASE_TTL_MS / 3 + MARGIN_MS);
    expect(lost).toEqual([{ nodeId: 'lapse-victim' }]);

    // The recovered unit runs again in full, flagged, on whichever node claims it.
    await leader.run({ eachMessage: handler('leader') });
    const all = range(0, 10);
    await until(
      waitUntil,
      () => all.every((o) => deliveries.slice(1).some((d) => d.offset === o)),
      'the recovered unit delivered',
      DELIVERY_MS,
    );
    await until(waitUntil, () => idle(conf.redis.groupName), 'idle', DELIVERY_MS);
    expect(deliveries.map((d) => d.offset).sort((a, b) => a - b)).toEqual([0, ...all]);
    expect(deliveries.slice(1).every((d) => d.unit.redelivered)).toBe(true);
    // Every completion but the lapsed one is a plain one.
    expect(completed.slice(1).every((e) => !e.possibleDuplicate)).toBe(true);
    expect(lost).toEqual([{ nodeId: 'lapse-victim' }]);
  });

  /** Nothing queued and nothing claimed anywhere in the group. */
  async function idle(groupName: string): Promise<boolean> {
    const keys = keysOf(groupName);
    const working = (await redisCall('KEYS', keys.working('*'))) as string[];
    const lengths = await Promise.all(
      [keys.work, ...working].map((k) => redisCall('LLEN', k) as Promise<number>),
    );
    return lengths.every((l) => l === 0);
  }
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
