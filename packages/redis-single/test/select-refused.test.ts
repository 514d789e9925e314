import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { ErrorCode, isKfError, type Logger } from '@kf/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis } from '../src/index.js';

const APP_PASSWORD = 'app-select-test';
// A script that keeps the server busy this long: well past busy-reply-threshold (10 ms
// here) and the adapter's first reconnection (100 ms), well within the command timeout.
const BUSY_MS = 1_500;
const BUSY_SCRIPT = `
local t = redis.call('TIME')
local from = t[1] * 1000000 + t[2]
repeat
  local n = redis.call('TIME')
until n[1] * 1000000 + n[2] - from > tonumber(ARGV[1])
return 1`;

// ioredis answers a failed SELECT of its `db` option by carrying on in database 0:
// every key would land where the group's keys are not. The adapter must not.
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
    '%s: commands fail at the command timeout with ConnectionClosedError naming the refusal; nothing is written to database 0',
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
          /the server refused to select database \d+ \((ERR|NOPERM) .*\); kf does not use database 0 instead/,
        );
        expect(await inDatabase0(key)).toBeNull();
        expect(lines.map(([, message]) => message)).toContain(
          'Redis refused to select the configured database: the connection is dropped and made again rather than used in database 0',
        );
      } finally {
        await redis.close();
      }
    },
  );

  test('a SELECT refused only while the server is busy with a script: the connection is made again and works in its database once the script ends', async () => {
    const { lines, logger } = errorLines();
    const redis = createSingleRedis({
      host: server.info.host,
      port: server.info.port,
      db: 3,
      commandTimeoutMs: 10_000,
      logger,
    });
    const key = `select-test-busy-${Date.now()}`;
    const admin = new Redis({ host: server.info.host, port: server.info.port });
    try {
      await redis.set(key, 'in 3');
      // Other clients are answered BUSY once a script has run this long.
      await admin.config('SET', 'busy-reply-threshold', '10');
      const clients = String(await admin.client('LIST')).split('\n');
      const adapter = clients.find((line) => / db=3 /.test(line));
      const id = /id=(\d+)/.exec(adapter ?? '')?.[1];
      expect(id, 'the adapter connection in database 3').toBeDefined();
      // One write: the kill, then a script busy for BUSY_MS, so the adapter's reconnection
      // (its first retry 100 ms later) meets a server that answers its SELECT with BUSY.
      const busy = admin.pipeline();
      busy.client('KILL', 'ID', id as string);
      busy.eval(BUSY_SCRIPT, 0, String(BUSY_MS * 1_000));
      const done = busy.exec();
      // Sent while the script runs: it waits for a connection in database 3.
      expect(await redis.get(key)).toBe('in 3');
      await done;
      await redis.set(`${key}-after`, 'in 3');
      expect(await inDatabase0(`${key}-after`)).toBeNull();
      // The reconnection did meet the busy server: its SELECT was refused, then healed.
      const refusals = lines.map(([fields]) => (fields as { err?: Error }).err?.message ?? '');
      expect(refusals.some((message) => message.startsWith('BUSY'))).toBe(true);
    } finally {
      await admin.config('SET', 'busy-reply-threshold', '5000');
      admin.disconnect();
      await redis.close();
    }
  });

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
