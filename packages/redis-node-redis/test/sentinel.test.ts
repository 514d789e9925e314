import { randomUUID } from 'node:crypto';
import { startRedisSentinel, waitUntil, withRedis } from '@kf/devstack';
import { ErrorCode, isKfError } from '@kf/protocol';
import { createSentinel } from 'redis';
import { describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { blockedNamed, connectionsNamed, connectionsSettleAt } from './support/connections.js';
import { nodeRedisConformance } from './support/node-redis-conformance.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { LOAD_MARGIN, REPLY_MS } from './support/reply-bounds.js';
import { useServerWithPassword } from './support/server-with-password.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

// Master and replica require a password, so the conformance case checking that no
// error carries it has one to look for.
const sentinel = useServerWithPassword('sentinel', (password) => startRedisSentinel({ password }));
const PASSWORD = sentinel.password;

/** The master's address with the password every client needs. */
const master = () => ({ ...sentinel.info.master, password: PASSWORD });

/**
 * Opening a dedicated connection and its BLMOVE: asking a sentinel for the master
 * (about 0.5 s with node-redis), then connect, HELLO/AUTH, CLIENT SETNAME and BLMOVE.
 */
const BLOCKED_WITHIN_MS = (500 + 5 * REPLY_MS) * LOAD_MARGIN;
/** A move only a push may end: it outlasts the wait for it to be seen blocked. */
const HELD_MOVE_MS = 2 * BLOCKED_WITHIN_MS;

nodeRedisConformance(
  { name: 'Sentinel', suite: 'Sentinel' },
  (settings) =>
    createNodeRedis({
      topology: 'sentinel',
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
      password: PASSWORD,
      ...settings,
    }),
  () => ({ topology: 'sentinel', probe: master(), replicas: 1 }),
);

describe(`node-redis ${nodeRedisVersion} behind Redis Sentinel`, () => {
  const callerSentinel = (name: string) =>
    createSentinel({
      name: sentinel.info.masterName,
      sentinelRootNodes: sentinel.info.sentinels,
      nodeClientOptions: { name, password: PASSWORD },
    });

  test("the adapter's own dedicated connections each follow the master, and close() closes them all", async () => {
    const name = `kf-owned-${randomUUID()}`;
    const redis = createNodeRedis({
      topology: 'sentinel',
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
      password: PASSWORD,
      clientName: name,
    });
    const options = { from: 'left', to: 'right', timeoutMs: HELD_MOVE_MS } as const;
    try {
      const moves = [1, 2].map(() =>
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, options),
      );
      // Both moves stay blocked on the master until the push below.
      await waitUntil(async () => ((await blockedNamed(master(), name)) === 2 ? true : undefined), {
        what: 'two dedicated connections blocked on the master',
        timeoutMs: BLOCKED_WITHIN_MS,
      });
      // The shared master connection and the two dedicated ones.
      expect(await connectionsNamed(master(), name)).toBe(3);
      await withRedis(master(), (c) => c.rpush(`kf:{${name}}:a`, 'u1', 'u2'));
      expect((await Promise.all(moves)).sort()).toEqual(['u1', 'u2']);
      await redis.del(`kf:{${name}}:b`);
    } finally {
      await redis.close();
    }
    await connectionsSettleAt(master(), name, 0, 'every connection closed by close()');
  });

  if (nodeRedisVersion.startsWith('5.')) {
    test("a caller's node-redis 5 Sentinel client, which cannot be duplicated, is refused with ConfigError", () => {
      const caller = createSentinel({
        name: sentinel.info.masterName,
        sentinelRootNodes: sentinel.info.sentinels,
      });
      let error: unknown;
      try {
        createNodeRedis(caller);
      } catch (thrown) {
        error = thrown;
      }
      expect(isKfError(error, ErrorCode.ConfigInvalid)).toBe(true);
      expect((error as Error).message).toMatch(/duplicate\(\)/);
    });
  } else {
    test("a caller's Sentinel client is left open by close(); the adapter's duplicates of it are closed", async () => {
      const name = `kf-caller-${randomUUID()}`;
      const caller = callerSentinel(name);
      await caller.connect();
      try {
        const redis = createNodeRedis(caller);
        await redis.set(`kf:{${name}}:k`, 'v');
        const shared = await connectionsNamed(master(), name);
        expect(shared).toBeGreaterThanOrEqual(1);
        // The element waits already: the move takes it at once, on a dedicated
        // connection that stays open, idle, afterwards.
        await caller.rPush(`kf:{${name}}:a`, 'u1');
        expect(
          await redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, {
            from: 'left',
            to: 'right',
            timeoutMs: HELD_MOVE_MS,
          }),
        ).toBe('u1');
        expect(await connectionsNamed(master(), name)).toBe(shared + 1);
        await redis.close();
        await connectionsSettleAt(master(), name, shared, "only the caller's connections left");
        expect(caller.isOpen).toBe(true);
        expect(await caller.get(`kf:{${name}}:k`)).toBe('v');
        await caller.del([`kf:{${name}}:k`, `kf:{${name}}:b`]);
      } finally {
        await caller.close();
      }
    });
  }
});
