import { randomUUID } from 'node:crypto';
import { startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { rejectionOf } from '@kf/protocol/testkit';
import { createClient } from 'redis';
import { describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { closingTheDriverToo } from './support/caller-owned.js';
import { captureLogger } from './support/capture-logger.js';
import {
  blockedNamed,
  connectionsNamed,
  connectionsSettleAt,
  respOfConnectionsNamed,
  unusedPort,
} from './support/connections.js';
import { nodeRedisConformance } from './support/node-redis-conformance.js';
import { nodeRedisPackage, nodeRedisVersion } from './support/node-redis-version.js';
import { LOAD_MARGIN, REPLY_MS } from './support/reply-bounds.js';
import { useServerWithPassword } from './support/server-with-password.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

// The server requires a password, so the conformance case checking that no error
// carries it has one to look for.
const server = useServerWithPassword('single', (password) => startRedisSingle({ password }));
const PASSWORD = server.password;

/** Where the server listens, with the password every client needs. */
const address = () => ({ host: server.info.host, port: server.info.port, password: PASSWORD });
const socket = () => ({ host: server.info.host, port: server.info.port });

/** Opening a dedicated connection (connect, HELLO/AUTH, CLIENT SETNAME) and its BLMOVE. */
const BLOCKED_WITHIN_MS = 5 * REPLY_MS * LOAD_MARGIN;
/**
 * A move that only a push may end: it outlasts the wait for it to be seen blocked, so
 * the state the test reads holds until the test itself ends it.
 */
const HELD_MOVE_MS = 2 * BLOCKED_WITHIN_MS;
/** The command timeout of the tests that wait it out: short, so they are quick. */
const COMMAND_TIMEOUT_MS = 400;
/** A move sent to a stopped server: ends at its timeout plus the command timeout. */
const STOPPED_MOVE_MS = 300;
/**
 * Timers fire no earlier than set, at millisecond resolution; the elapsed time is taken
 * from before the call, so 10 ms covers the rounding.
 */
const TIMER_SLACK_MS = 10;

nodeRedisConformance(
  { name: 'single', suite: 'one server' },
  (settings) => createNodeRedis({ ...address(), ...settings }),
  () => ({ topology: 'single', probe: address() }),
);

// The same suite on clients the caller made, over each RESP version: replies must read
// the same whichever the connection speaks.
for (const RESP of [2, 3] as const) {
  nodeRedisConformance(
    { name: `caller's client, RESP${RESP}`, suite: `a caller's client speaking RESP${RESP}` },
    async (settings) => {
      const client = createClient({ RESP, socket: socket(), password: PASSWORD });
      await client.connect();
      return closingTheDriverToo(createNodeRedis(client, settings), client);
    },
    () => ({ topology: 'single', probe: address() }),
  );
}

describe(`node-redis ${nodeRedisVersion} on one server`, () => {
  test(`runs on ${nodeRedisPackage} (${nodeRedisVersion}): its connections speak that version's default RESP`, async () => {
    const name = `kf-version-${randomUUID()}`;
    const redis = createNodeRedis({ ...address(), clientName: name });
    try {
      await redis.ping();
      const expected = nodeRedisVersion.startsWith('5.') ? '2' : '3';
      expect(await respOfConnectionsNamed(address(), name)).toEqual([expected]);
    } finally {
      await redis.close();
    }
  });

  test("a caller's client is used as is and left open by close(); the adapter's dedicated connections are closed", async () => {
    const name = `kf-caller-${randomUUID()}`;
    const client = createClient({ name, socket: socket(), password: PASSWORD });
    await client.connect();
    try {
      const redis = createNodeRedis(client);
      await redis.set(`kf:{${name}}:k`, 'v');
      const options = { from: 'left', to: 'right', timeoutMs: HELD_MOVE_MS } as const;
      const moves = [1, 2].map(() =>
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, options),
      );
      // Both moves stay blocked until the push below: the count cannot slip past.
      await waitUntil(
        async () => ((await blockedNamed(address(), name)) === 2 ? true : undefined),
        { what: 'two dedicated connections blocked in BLMOVE', timeoutMs: BLOCKED_WITHIN_MS },
      );
      expect(await connectionsNamed(address(), name)).toBe(3);
      await client.rPush(`kf:{${name}}:a`, ['u1', 'u2']);
      expect((await Promise.all(moves)).sort()).toEqual(['u1', 'u2']);
      await redis.close();
      await connectionsSettleAt(address(), name, 1, "only the caller's connection left");
      expect(client.isOpen).toBe(true);
      expect(await client.get(`kf:{${name}}:k`)).toBe('v');
      await client.del([`kf:{${name}}:k`, `kf:{${name}}:b`]);
    } finally {
      await client.close();
    }
  });

  test('dedicated connections are reused when idle, at most maxIdleBlockingConnections kept, all closed by close()', async () => {
    const name = `kf-pool-${randomUUID()}`;
    const redis = createNodeRedis({
      ...address(),
      clientName: name,
      maxIdleBlockingConnections: 1,
    });
    const source = `kf:{${name}}:a`;
    const move = () =>
      redis.listBlockingMove(source, `kf:{${name}}:b`, {
        from: 'left',
        to: 'right',
        timeoutMs: HELD_MOVE_MS,
      });
    const push = (...units: string[]) => withRedis(address(), (c) => c.rpush(source, ...units));
    try {
      // One after the other, each finding its element waiting: the one dedicated
      // connection is reused, never a second opened.
      for (const unit of ['u1', 'u2', 'u3']) {
        await push(unit);
        expect(await move()).toBe(unit);
      }
      expect(await connectionsNamed(address(), name)).toBe(2);
      // Three at once, held blocked until seen: one dedicated connection each, next to
      // the shared one. The state lasts until the push below ends it.
      const concurrent = [move(), move(), move()];
      await waitUntil(
        async () => ((await blockedNamed(address(), name)) === 3 ? true : undefined),
        {
          what: 'one dedicated connection per concurrent move, blocked',
          timeoutMs: BLOCKED_WITHIN_MS,
        },
      );
      expect(await connectionsNamed(address(), name)).toBe(4);
      await push('c1', 'c2', 'c3');
      expect((await Promise.all(concurrent)).sort()).toEqual(['c1', 'c2', 'c3']);
      // Back in the pool, all but one are closed: a state that lasts, polled for as long
      // as the server takes to see two sockets closed.
      await connectionsSettleAt(address(), name, 2, 'the connections beyond one idle one to close');
    } finally {
      await redis.close();
    }
    await connectionsSettleAt(address(), name, 0, 'every connection closed by close()');
  });

  test('a server that stops answering fails commands with CommandTimeoutError; they work again once it answers', async () => {
    const name = `kf-stopped-${randomUUID()}`;
    const redis = createNodeRedis({
      ...address(),
      clientName: name,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const key = `kf:{${name}}:k`;
    const serverProcess = server.processes[0];
    if (!serverProcess) throw new Error('the server has no process');
    try {
      await redis.set(key, 'v');
      serverProcess.signal('SIGSTOP');
      let started = performance.now();
      const error = await rejectionOf(redis.get(key));
      const elapsed = performance.now() - started;
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
      expect((error as { timeoutMs?: number }).timeoutMs).toBe(COMMAND_TIMEOUT_MS);
      expect(elapsed).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - TIMER_SLACK_MS);
      // The timeout, then its timer callback late by at most a reply's time.
      expect(elapsed).toBeLessThan(COMMAND_TIMEOUT_MS + REPLY_MS * LOAD_MARGIN);
      // A blocking move's deadline is its own timeout plus the command timeout.
      started = performance.now();
      const blocked = await rejectionOf(
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, {
          from: 'left',
          to: 'right',
          timeoutMs: STOPPED_MOVE_MS,
        }),
      );
      expect(isKfError(blocked, ErrorCode.CommandTimeout)).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        STOPPED_MOVE_MS + COMMAND_TIMEOUT_MS - TIMER_SLACK_MS,
      );
    } finally {
      serverProcess.signal('SIGCONT');
    }
    try {
      expect(await redis.get(key)).toBe('v');
      // The dedicated connection whose move timed out was dropped, not kept for reuse.
      await connectionsSettleAt(address(), name, 1, 'only the shared connection left');
      await redis.del(key);
    } finally {
      await redis.close();
    }
  });

  test('after the server drops every connection the adapter reconnects by itself, and reports it through the logger', async () => {
    const name = `kf-dropped-${randomUUID()}`;
    const logger = captureLogger();
    const redis = createNodeRedis({ ...address(), clientName: name, logger });
    try {
      await redis.set(`kf:{${name}}:k`, 'before');
      const killed = await withRedis(address(), (c) => c.call('CLIENT', 'KILL', 'TYPE', 'normal'));
      expect(Number(killed)).toBeGreaterThanOrEqual(1);
      // A command already written when the connection dropped fails (ConnectionClosedError);
      // one sent once the drop is noticed waits for the reconnection.
      await waitUntil(
        async () =>
          logger.entries.some((e) => e.level === 'warn' && /connection error/.test(e.message))
            ? true
            : undefined,
        // The drop reaches the driver as a socket event one trip after the kill.
        {
          what: 'the dropped connection reported to the logger',
          timeoutMs: REPLY_MS * LOAD_MARGIN,
        },
      );
      expect(await redis.get(`kf:{${name}}:k`)).toBe('before');
      await redis.del(`kf:{${name}}:k`);
    } finally {
      await redis.close();
    }
  });

  test('with nothing listening, commands fail with CommandTimeoutError and close() returns promptly', async () => {
    const redis = createNodeRedis({
      host: '127.0.0.1',
      port: await unusedPort(),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const error = await rejectionOf(redis.ping());
    expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
    const started = performance.now();
    await redis.close();
    // Nothing is connected, so nothing is waited for: no more than a reply's time.
    expect(performance.now() - started).toBeLessThan(REPLY_MS * LOAD_MARGIN);
    expect(isKfError(await rejectionOf(redis.ping()), ErrorCode.ConnectionClosed)).toBe(true);
  });

  test('timeouts that are not positive are refused before anything is sent', async () => {
    const redis: IRedis = createNodeRedis(address());
    try {
      for (const timeoutMs of [0, -5, Number.NaN]) {
        await expect(
          redis.listBlockingMove('kf:{x}:a', 'kf:{x}:b', { from: 'left', to: 'right', timeoutMs }),
        ).rejects.toThrow(RangeError);
        await expect(redis.wait({ replicas: 1, timeoutMs })).rejects.toThrow(RangeError);
      }
    } finally {
      await redis.close();
    }
  });
});
