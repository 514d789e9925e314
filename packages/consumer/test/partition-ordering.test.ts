import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTopic, startRedisSingle, waitUntil } from '@kf/devstack';
import { afterEach, describe, expect, test } from 'vitest';
import { createNode, type KfNode } from '../src/index.js';
import { until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/node-process.mjs', import.meta.url));
const LEASE_TTL_MS = 1_000;
const PAUSE_MS = 100;
const UNIT = 20;

/**
 * `ordering: 'partition'` when a node stalls mid-unit: its unit is recovered and run
 * elsewhere, and the partition moves on. The stalled node, once it runs again, must not
 * hand user code another message of the unit it lost: that would run beside the
 * partition's next unit on another node.
 */
describe('partition ordering across a stalled node', () => {
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

  test('a node that wakes after its unit was recovered and completed elsewhere delivers no more of it', async () => {
    const topic = 'ordering-stall';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 1 });
    const config = {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: { host: stack.redis.info.host, port: stack.redis.info.port, groupName: topic },
      conf: {
        useEarliest: true,
        ordering: 'partition' as const,
        consumeStep: UNIT,
        leaseTtlMs: LEASE_TTL_MS,
        leaderLockTtlMs: LEASE_TTL_MS,
        // One record batch per fetch, so a unit reaches user code in many calls.
        fetch: { maxBytes: 1 },
      },
    };
    // One record per batch: each send is its own batch.
    for (let i = 0; i < 2 * UNIT; i++) {
      await stack.producer.send({ topic, acks: -1, messages: [{ value: `m-${i}` }] });
    }

    const batches: Array<{ at: number; offsets: number[] }> = [];
    const stalled = fork(
      FIXTURE,
      [
        JSON.stringify({
          config,
          topics: [topic],
          nodeId: 'stalls',
          concurrency: 1,
          pauseMs: PAUSE_MS,
        }),
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    children.push(stalled);
    stalled.on(
      'message',
      (m: { type: string; at?: number; items?: Array<[number, number, string]> }) => {
        if (m.type === 'batch') {
          batches.push({ at: m.at ?? 0, offsets: (m.items ?? []).map(([, offset]) => offset) });
        }
      },
    );
    await until(waitUntil, () => batches.length >= 2, 'the first unit under way', 30_000);
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
