import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTopic, startRedisSingle, waitUntil } from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { createNode, type KfNode } from '../src/index.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/node-process.mjs', import.meta.url));
const LEASE_TTL_MS = 1_000;
const PAUSE_MS = 100;
const UNIT = 20;

/**
 * A node stalls past its lease (a long GC, a paused VM): the leader recovers its units and
 * drops it from the lease set, and the group goes on. When it runs again it must neither
 * claim a unit nobody would recover, nor hand user code more of the unit it lost.
 */
describe('a node stalled past its lease', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-ordering-test' });
  const children: ChildProcess[] = [];
  const nodes: KfNode[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await Promise.all(nodes.splice(0).map((n) => n.close({ timeoutMs: 2_000 })));
  });

  function fixture(spec: Record<string, unknown>): ChildProcess {
    const child = fork(FIXTURE, [JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return child;
  }

  /** A one-partition topic and a group of its own on it, with short leases. */
  async function groupOf(topic: string, conf: Record<string, unknown>) {
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    return {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: { host: stack.redis.info.host, port: stack.redis.info.port, groupName: topic },
      conf: {
        useEarliest: true,
        leaseTtlMs: LEASE_TTL_MS,
        leaderLockTtlMs: LEASE_TTL_MS,
        ...conf,
      },
    };
  }

  test('claims after its recovery only once it renewed: killed then, its unit is still delivered', async () => {
    const topic = 'stall-claim';
    const config = await groupOf(topic, { consumeStep: 10 });
    // The leader: it recovers the stalled node, and consumes once that node is gone.
    const leader = await createNode(config, [topic], { nodeId: 'leads' });
    nodes.push(leader);
    const recovered: string[] = [];
    leader.on('nodeRecovered', (e) => recovered.push(e.nodeId));
    const ids = await produceIds(stack.producer, topic, { count: 100, partitions: 1 });

    const seen = new Set<string>();
    const claims: number[] = [];
    const stalls = fixture({
      config,
      topics: [topic],
      nodeId: 'stalls',
      concurrency: 1,
      pauseMs: 4 * PAUSE_MS,
    });
    stalls.on(
      'message',
      (m: { type: string; at?: number; items?: Array<[number, number, string]> }) => {
        if (m.type === 'batch') for (const [, , id] of m.items ?? []) seen.add(id);
        if (m.type === 'claimed') claims.push(m.at ?? 0);
      },
    );
    await until(waitUntil, () => claims.length >= 1, 'the stalling node holds a unit', 30_000);
    stalls.kill('SIGSTOP');
    await until(waitUntil, () => recovered.includes('stalls'), 'the stalled node recovered');

    const wokeAt = performance.timeOrigin + performance.now();
    stalls.kill('SIGCONT');
    // Its first claim after waking, and then it dies: whatever it claimed must come back.
    await until(waitUntil, () => claims.some((at) => at >= wokeAt), 'a claim after waking');
    stalls.kill('SIGKILL');
    await leader.run({ eachMessage: async ({ message }) => void seen.add(String(message.value)) });
    await until(waitUntil, () => ids.every((id) => seen.has(id)), 'every message');
  });

  test('a node that wakes after its unit was recovered and completed elsewhere delivers no more of it', async () => {
    const topic = 'ordering-stall';
    const config = await groupOf(topic, {
      ordering: 'partition' as const,
      consumeStep: UNIT,
      // One record batch per fetch, so a unit reaches user code in many calls.
      fetch: { maxBytes: 1 },
    });
    // One record per batch: each send is its own batch.
    for (let i = 0; i < 2 * UNIT; i++) {
      await stack.producer.send({ topic, acks: -1, messages: [{ value: `m-${i}` }] });
    }

    const batches: Array<{ at: number; offsets: number[] }> = [];
    const stalled = fixture({
      config,
      topics: [topic],
      nodeId: 'stalls',
      concurrency: 1,
      pauseMs: PAUSE_MS,
      // Awaits again after each report: the lease's renewal after waking comes back
      // during that second await, making the lease live again before the next record.
      pauseAfterMs: PAUSE_MS,
    });
    stalled.on(
      'message',
      (m: { type: string; at?: number; items?: Array<[number, number, string]> }) => {
        if (m.type === 'batch') {
          batches.push({ at: m.at ?? 0, offsets: (m.items ?? []).map(([, offset]) => offset) });
        }
      },
    );
    await until(waitUntil, () => batches.length >= 2, 'the first unit under way', 30_000);
    // A report is sent before the call's second await: half a pause into the next call's
    // first await, the stall leaves that call with a report and a second await to run.
    await new Promise((resolve) => setTimeout(resolve, 1.5 * PAUSE_MS));
    stalled.kill('SIGSTOP');

    const elsewhere = new Set<number>();
    const other = await createNode(config, [topic], { nodeId: 'stays' });
    nodes.push(other);
    await other.run({ eachMessage: async ({ message }) => void elsewhere.add(message.offset) });
    // The stalled node's unit recovered and completed, and the partition's next unit done.
    await until(waitUntil, () => elsewhere.size === 2 * UNIT, 'every offset at the other node');

    const wokeAt = performance.timeOrigin + performance.now();
    stalled.kill('SIGCONT');
    // Long enough for many more of its calls (PAUSE_MS each) had it gone on with the unit.
    await new Promise((resolve) => setTimeout(resolve, 10 * PAUSE_MS + LEASE_TTL_MS));
    const afterWaking = batches.filter((b) => b.at >= wokeAt);
    // At most the call user code was in when the node stopped; nothing handed over after.
    expect(afterWaking.length).toBeLessThanOrEqual(1);
  });
});
