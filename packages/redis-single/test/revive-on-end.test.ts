import { type RedisSingle, startRedisSingle, waitUntil } from '@kf/devstack';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

// The adapter connects again 100 ms after an end it did not ask for (the reconnection
// back-off's first step); a connect on loopback takes milliseconds. 5 s is the bound of
// a failing test on a loaded machine, not a timing claim.
const REVIVED_WITHIN_MS = 5_000;

let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle();
});
afterAll(async () => {
  await server?.stop();
});

/** The ioredis client an adapter it created sends on. */
const clientOf = (redis: unknown) => (redis as { parts: { client: Redis } }).parts.client;

describe('an ioredis client that ends without the adapter closing it', () => {
  // ioredis ends a Sentinel client for good when a fail-over notice arrives while it is
  // reconnecting; here the end is made directly, as that race makes it.
  test('connects again, and commands work after it', async () => {
    const redis = createSingleRedis({ host: server.info.host, port: server.info.port });
    try {
      await redis.set('revive', 'before');
      const client = clientOf(redis);
      client.disconnect();
      await waitUntil(async () => (client.status === 'end' ? true : undefined), {
        what: 'the client to end',
        timeoutMs: REVIVED_WITHIN_MS,
      });
      await waitUntil(async () => (client.status === 'ready' ? true : undefined), {
        what: 'the adapter to connect it again',
        timeoutMs: REVIVED_WITHIN_MS,
      });
      await redis.set('revive', 'after');
      expect(await redis.get('revive')).toBe('after');
    } finally {
      await redis.close();
    }
  });

  test('an end the adapter asked for (close) stays ended', async () => {
    const redis = createSingleRedis({ host: server.info.host, port: server.info.port });
    await redis.ping();
    const client = clientOf(redis);
    await redis.close();
    // Twice the first reconnection delay: a revive would have connected by then.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.status).toBe('end');
  });
});
