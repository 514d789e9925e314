import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { ErrorCode, isKfError, type Logger } from '@kf/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

const APP_PASSWORD = 'app-select-test';

// ioredis answers a refused SELECT of its `db` option by carrying on in database 0:
// every key would land where the group's keys are not. The adapter must fail instead.
let server: RedisSingle;
beforeAll(async () => {
  // 16 databases (Redis's default), and a user that may not SELECT.
  server = await startRedisSingle({ users: [`noselect on >${APP_PASSWORD} ~* +@all -select`] });
});
afterAll(async () => {
  await server?.stop();
});

function errorLines(): { lines: Array<[unknown, string]>; logger: Logger } {
  const lines: Array<[unknown, string]> = [];
  const none = () => undefined;
  return {
    lines,
    logger: { debug: none, info: none, warn: none, error: (f, m) => void lines.push([f, m]) },
  };
}

/** What database 0 holds under `key`, read on a plain connection. */
async function inDatabase0(key: string): Promise<string | null> {
  const plain = new Redis({ host: server.info.host, port: server.info.port });
  try {
    return await plain.get(key);
  } finally {
    plain.disconnect();
  }
}

describe('a database the server refuses to select', () => {
  test.each([
    ['an index out of range', { db: 20 }],
    ['an ACL user without +select', { db: 3, username: 'noselect', password: APP_PASSWORD }],
  ])(
    '%s: commands fail with ConnectionClosedError naming the refusal; nothing is written to database 0',
    async (_case, settings) => {
      const { lines, logger } = errorLines();
      const redis = createSingleRedis({
        host: server.info.host,
        port: server.info.port,
        commandTimeoutMs: 2_000,
        logger,
        ...settings,
      });
      const key = `select-test-${settings.db}-${Date.now()}`;
      try {
        const error = await redis.set(key, 'written').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isKfError(error) && error.code).toBe(ErrorCode.ConnectionClosed);
        expect((error as Error).message).toMatch(
          /the server refused to select database \d+ \((ERR|NOPERM) .*\); the connection is closed rather than used in database 0/,
        );
        expect(await inDatabase0(key)).toBeNull();
        expect(lines.map(([, message]) => message)).toContain(
          'Redis refused to select the configured database: the connection is closed rather than used in database 0',
        );
      } finally {
        await redis.close();
      }
    },
  );

  test('a database the server selects is used: the key is there, not in database 0', async () => {
    const redis = createSingleRedis({ host: server.info.host, port: server.info.port, db: 5 });
    const key = `select-test-ok-${Date.now()}`;
    try {
      await redis.set(key, 'written');
      expect(await redis.get(key)).toBe('written');
      expect(await inDatabase0(key)).toBeNull();
    } finally {
      await redis.close();
    }
  });
});
