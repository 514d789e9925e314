import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import { ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { redisConformance, rejectionOf } from '@kf/protocol/testkit';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { closingTheDriverToo } from './support/caller-owned.js';
import { captureLogger } from './support/capture-logger.js';
import { connectionsNamed, respOfConnectionsNamed, unusedPort } from './support/connections.js';
import { nodeRedisPackage, nodeRedisVersion } from './support/node-redis-version.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle();
});
afterAll(() => server?.stop());

const address = () => ({ host: server.info.host, port: server.info.port });

redisConformance(
  { describe, test, expect },
  () => createNodeRedis(address()),
  () => ({ name: `node-redis ${nodeRedisVersion} single`, topology: 'single', probe: address() }),
  `IRedis conformance: node-redis ${nodeRedisVersion}, one server`,
);

// The same suite on clients the caller made, over each RESP version: replies must read
// the same whichever the connection speaks.
for (const RESP of [2, 3] as const) {
  redisConformance(
    { describe, test, expect },
    async () => {
      const client = createClient({ RESP, socket: address() });
      await client.connect();
      return closingTheDriverToo(createNodeRedis(client), client);
    },
    () => ({
      name: `node-redis ${nodeRedisVersion} caller's client, RESP${RESP}`,
      topology: 'single',
      probe: address(),
    }),
    `IRedis conformance: node-redis ${nodeRedisVersion}, a caller's client speaking RESP${RESP}`,
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
    const client = createClient({ name, socket: address() });
    await client.connect();
    try {
      const redis = createNodeRedis(client);
      await redis.set(`kf:{${name}}:k`, 'v');
      const options = { from: 'left', to: 'right', timeoutMs: 200 } as const;
      const moves = [1, 2].map(() =>
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, options),
      );
      await waitUntil(
        async () => ((await connectionsNamed(address(), name)) === 3 ? true : undefined),
        {
          what: 'the caller’s connection and two dedicated ones',
          timeoutMs: 2_000,
        },
      );
      expect(await Promise.all(moves)).toEqual([null, null]);
      await redis.close();
      expect(await connectionsNamed(address(), name)).toBe(1);
      expect(client.isOpen).toBe(true);
      expect(await client.get(`kf:{${name}}:k`)).toBe('v');
      await client.del(`kf:{${name}}:k`);
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
    const move = () =>
      redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, {
        from: 'left',
        to: 'right',
        timeoutMs: 100,
      });
    try {
      for (let i = 0; i < 3; i++) expect(await move()).toBeNull();
      expect(await connectionsNamed(address(), name)).toBe(2);
      const concurrent = [move(), move(), move()];
      await waitUntil(
        async () => ((await connectionsNamed(address(), name)) === 4 ? true : undefined),
        {
          what: 'one dedicated connection per concurrent move',
          timeoutMs: 2_000,
        },
      );
      expect(await Promise.all(concurrent)).toEqual([null, null, null]);
      await waitUntil(
        async () => ((await connectionsNamed(address(), name)) === 2 ? true : undefined),
        {
          what: 'the connections beyond one idle one to close',
          timeoutMs: 2_000,
        },
      );
    } finally {
      await redis.close();
    }
    expect(await connectionsNamed(address(), name)).toBe(0);
  });

  test('a server that stops answering fails commands with CommandTimeoutError; they work again once it answers', async () => {
    const name = `kf-stopped-${randomUUID()}`;
    const redis = createNodeRedis({ ...address(), clientName: name, commandTimeoutMs: 400 });
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
      expect((error as { timeoutMs?: number }).timeoutMs).toBe(400);
      expect(elapsed).toBeGreaterThanOrEqual(390);
      expect(elapsed).toBeLessThan(1_500);
      // A blocking move's deadline is its own timeout plus the command timeout.
      started = performance.now();
      const blocked = await rejectionOf(
        redis.listBlockingMove(`kf:{${name}}:a`, `kf:{${name}}:b`, {
          from: 'left',
          to: 'right',
          timeoutMs: 300,
        }),
      );
      expect(isKfError(blocked, ErrorCode.CommandTimeout)).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(690);
    } finally {
      serverProcess.signal('SIGCONT');
    }
    try {
      expect(await redis.get(key)).toBe('v');
      // The dedicated connection whose move timed out was dropped, not kept for reuse.
      await waitUntil(
        async () => ((await connectionsNamed(address(), name)) === 1 ? true : undefined),
        {
          what: 'only the shared connection left',
          timeoutMs: 3_000,
        },
      );
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
        { what: 'the dropped connection reported to the logger', timeoutMs: 2_000 },
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
      commandTimeoutMs: 300,
    });
    const error = await rejectionOf(redis.ping());
    expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
    const started = performance.now();
    await redis.close();
    expect(performance.now() - started).toBeLessThan(1_000);
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
