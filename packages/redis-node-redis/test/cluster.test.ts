import { randomUUID } from 'node:crypto';
import { startRedisCluster, waitUntil, withRedis } from '@kf/devstack';
import { defineScript, ErrorCode, isKfError } from '@kf/protocol';
import { rejectionOf } from '@kf/protocol/testkit';
import { createCluster } from 'redis';
import { describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { keySlot } from '../src/key-slot.js';
import { blockedNamed, connectionsNamed } from './support/connections.js';
import { nodeRedisConformance } from './support/node-redis-conformance.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { CLOSED_SEEN_WITHIN_MS, LOAD_MARGIN, REPLY_MS } from './support/reply-bounds.js';
import { useServerWithPassword } from './support/server-with-password.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

// The cluster requires a password, so the conformance case checking that no error
// carries it has one to look for.
const cluster = useServerWithPassword('cluster', (password) => startRedisCluster({ password }));
const PASSWORD = cluster.password;

/** A node's address with the password every client needs. */
const withPassword = ({ host, port }: { host: string; port: number }) => ({
  host,
  port,
  password: PASSWORD,
});
const seed = () => withPassword(cluster.info.nodes[0] as { host: string; port: number });
const masters = () => cluster.info.nodes.filter((n) => n.role === 'master');
const masterOf = (slot: number) =>
  masters().find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));

/** Opening a dedicated connection (connect, HELLO/AUTH, CLIENT SETNAME) and its BLMOVE. */
const BLOCKED_WITHIN_MS = 5 * REPLY_MS * LOAD_MARGIN;
/** A move only a push may end: it outlasts the wait for it to be seen blocked. */
const HELD_MOVE_MS = 2 * BLOCKED_WITHIN_MS;
/** WAIT's own timeout: a replica on loopback acknowledges in about a millisecond. */
const WAIT_MS = REPLY_MS * LOAD_MARGIN;

nodeRedisConformance(
  { name: 'Cluster', suite: 'Cluster' },
  (settings) =>
    createNodeRedis({
      topology: 'cluster',
      nodes: cluster.info.nodes.slice(0, 3),
      password: PASSWORD,
      ...settings,
    }),
  () => ({ topology: 'cluster', probe: seed(), replicas: 1 }),
);

describe(`node-redis ${nodeRedisVersion} on a Redis Cluster`, () => {
  test('computes the slot of a key as the server does, hash tags included', async () => {
    const keys = [
      'kf:{orders}:work',
      'kf:{orders}:working:node-1',
      'plain',
      '{}empty-tag',
      'a{}b{c}',
      '{a}{b}',
      'open{only',
      'ünïcødé:{grüppe}',
      '',
      `kf:{${randomUUID()}}:x`,
    ];
    const server = await withRedis(seed(), (c) =>
      Promise.all(keys.map(async (k) => Number(await c.call('CLUSTER', 'KEYSLOT', k)))),
    );
    expect(keys.map(keySlot)).toEqual(server);
  });

  test('wait({ key }) asks the master owning the key, and only it', async () => {
    const redis = createNodeRedis({
      topology: 'cluster',
      nodes: cluster.info.nodes,
      password: PASSWORD,
    });
    const key = `kf:{wait-${randomUUID()}}:k`;
    try {
      await redis.set(key, 'v');
      await Promise.all(
        masters().map((m) => withRedis(withPassword(m), (c) => c.config('RESETSTAT'))),
      );
      expect(await redis.wait({ replicas: 1, timeoutMs: WAIT_MS, key })).toBe(1);
      const waits = await Promise.all(
        masters().map(async (m) => {
          const stats = await withRedis(withPassword(m), (c) => c.info('commandstats'));
          return { port: m.port, calls: Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0) };
        }),
      );
      const owner = masterOf(keySlot(key));
      expect(waits.filter((w) => w.calls > 0)).toEqual([{ port: owner?.port, calls: 1 }]);
      await redis.del(key);
    } finally {
      await redis.close();
    }
  });

  test('a MOVED reply reaching the adapter rejects with ClusterRedirectError', async () => {
    const node = masters()[0] as { host: string; port: number };
    const key = Array.from({ length: 100 }, (_, i) => `kf:{moved-${i}}:k`).find(
      (k) => masterOf(keySlot(k))?.port !== node.port,
    ) as string;
    // Spoken to as one server, a cluster node answers MOVED for a key it does not own.
    const redis = createNodeRedis(withPassword(node));
    try {
      const error = await rejectionOf(redis.get(key));
      expect(isKfError(error, ErrorCode.ClusterRedirectExhausted)).toBe(true);
      expect((error as Error).message).toMatch(/GET/);
    } finally {
      await redis.close();
    }
  });

  test('a script given keys of different slots is a CommandError (CROSSSLOT), not a script failure', async () => {
    const redis = createNodeRedis({
      topology: 'cluster',
      nodes: cluster.info.nodes,
      password: PASSWORD,
    });
    try {
      const script = defineScript('two-keys', "return redis.call('GET', KEYS[1])");
      const error = await rejectionOf(redis.evalScript(script, ['kf:{a}:x', 'kf:{b}:y'], []));
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as { prefix?: string }).prefix).toBe('CROSSSLOT');
    } finally {
      await redis.close();
    }
  });

  test("a caller's cluster client is left open by close(); the dedicated connections are closed", async () => {
    const name = `kf-caller-${randomUUID()}`;
    const onEveryNode = async (count: typeof connectionsNamed) =>
      (await Promise.all(cluster.info.nodes.map((n) => count(withPassword(n), name)))).reduce(
        (a, b) => a + b,
        0,
      );
    const caller = createCluster({
      // Root nodes serve discovery only; `defaults` make the connections to the nodes
      // found, so the password goes in both.
      rootNodes: [
        { socket: cluster.info.nodes[0] as { host: string; port: number }, password: PASSWORD },
      ],
      defaults: { name, password: PASSWORD },
    });
    await caller.connect();
    try {
      const redis = createNodeRedis(caller);
      const tag = `{${name}}`;
      await redis.set(`kf:${tag}:k`, 'v');
      const shared = await onEveryNode(connectionsNamed);
      expect(shared).toBeGreaterThanOrEqual(1);
      const options = { from: 'left', to: 'right', timeoutMs: HELD_MOVE_MS } as const;
      const moves = [1, 2].map(() => redis.listBlockingMove(`kf:${tag}:a`, `kf:${tag}:b`, options));
      // Both moves stay blocked until the push below: the count cannot slip past.
      await waitUntil(async () => ((await onEveryNode(blockedNamed)) === 2 ? true : undefined), {
        what: 'a dedicated connection per concurrent move, blocked',
        timeoutMs: BLOCKED_WITHIN_MS,
      });
      expect(await onEveryNode(connectionsNamed)).toBe(shared + 2);
      await caller.rPush(`kf:${tag}:a`, ['u1', 'u2']);
      expect((await Promise.all(moves)).sort()).toEqual(['u1', 'u2']);
      await redis.close();
      await waitUntil(
        async () => ((await onEveryNode(connectionsNamed)) === shared ? true : undefined),
        { what: "only the caller's connections left", timeoutMs: CLOSED_SEEN_WITHIN_MS },
      );
      expect(caller.isOpen).toBe(true);
      expect(await caller.get(`kf:${tag}:k`)).toBe('v');
      await caller.del([`kf:${tag}:k`, `kf:${tag}:b`]);
    } finally {
      await caller.close();
    }
  });
});
