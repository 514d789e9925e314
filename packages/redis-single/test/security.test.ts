import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { ErrorCode, isKfError } from '@kf/protocol';
import { redisConformance } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSingleRedis, type Logger } from '../src/index.js';

const PASSWORD = `default-pw-${randomUUID()}`;
const APP_PASSWORD = `app-pw-${randomUUID()}`;
const WRONG_PASSWORD = `wrong-pw-${randomUUID()}`;

// One server for every case: TLS only, client certificates required, a password on
// the default user, and an ACL user limited to `app:*` keys.
let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle({
    password: PASSWORD,
    users: [`app on >${APP_PASSWORD} ~app:* +@all`],
    tls: true,
  });
});
afterAll(async () => {
  await server?.stop();
});

redisConformance(
  { describe, test, expect },
  (settings) =>
    createSingleRedis({ ...address(), password: PASSWORD, tls: server.info.tls, ...settings }),
  () => ({ name: 'ioredis single, TLS + password', topology: 'single', probe: server.info }),
  'IRedis conformance over TLS with a password',
);

function address() {
  return { host: server.info.host, port: server.info.port };
}

/** A logger keeping every line, to search it for secrets. */
function recordingLogger(): Logger & { text(): string; lines: unknown[] } {
  const lines: unknown[] = [];
  const record = (level: string) => (fields: object, message: string) => {
    lines.push({ level, fields, message });
  };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    text: () => JSON.stringify(lines, expandErrors),
  };
}

/** Everything an error shows when printed, serialised or logged, its causes included. */
function everythingShown(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack}\n${JSON.stringify(error, expandErrors)}`;
}

function expandErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return {
    ...value,
    name: value.name,
    message: value.message,
    stack: value.stack,
    cause: value.cause,
  };
}

describe('credentials and TLS (ioredis single)', () => {
  test('an ACL user reaches its own keys; others are refused with CommandError NOPERM', async () => {
    const redis = createSingleRedis({
      ...address(),
      username: 'app',
      password: APP_PASSWORD,
      tls: server.info.tls,
    });
    try {
      expect(await redis.set('app:greeting', 'hi')).toBe(true);
      expect(await redis.get('app:greeting')).toBe('hi');
      const error = await redis.set('other:greeting', 'hi').catch((e: unknown) => e);
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as { prefix: string }).prefix).toBe('NOPERM');
      expect(everythingShown(error)).not.toContain(APP_PASSWORD);
      await redis.del('app:greeting');
    } finally {
      await redis.close();
    }
  });

  test('a wrong password fails with CommandError WRONGPASS; no error or log line shows it', async () => {
    const logger = recordingLogger();
    const redis = createSingleRedis({
      ...address(),
      password: WRONG_PASSWORD,
      tls: server.info.tls,
      commandTimeoutMs: 2_000,
      logger,
    });
    try {
      const error = await redis.ping().catch((e: unknown) => e);
      expect(isKfError(error, ErrorCode.Command)).toBe(true);
      expect((error as { prefix: string }).prefix).toBe('WRONGPASS');
      expect(everythingShown(error)).not.toContain(WRONG_PASSWORD);
      expect(everythingShown((error as Error).cause)).not.toContain(WRONG_PASSWORD);
      expect(logger.lines.length).toBeGreaterThan(0);
      expect(logger.text()).toContain('WRONGPASS');
      expect(logger.text()).not.toContain(WRONG_PASSWORD);
    } finally {
      await redis.close();
    }
  });

  test('without a client certificate the TLS handshake is refused: a typed error, logged without secrets', async () => {
    const logger = recordingLogger();
    const redis = createSingleRedis({
      ...address(),
      password: PASSWORD,
      tls: { ca: server.info.tls?.ca },
      commandTimeoutMs: 1_000,
      logger,
    });
    try {
      const error = await redis.ping().catch((e: unknown) => e);
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
      expect(logger.lines.length).toBeGreaterThan(0);
      expect(logger.text()).not.toContain(PASSWORD);
      expect(everythingShown(error)).not.toContain(PASSWORD);
    } finally {
      await redis.close();
    }
  });

  test('a plain TCP client gets no answer from the TLS-only server', async () => {
    const redis = createSingleRedis({ ...address(), password: PASSWORD, commandTimeoutMs: 1_000 });
    try {
      const error = await redis.ping().catch((e: unknown) => e);
      expect(isKfError(error, ErrorCode.CommandTimeout)).toBe(true);
    } finally {
      await redis.close();
    }
  });
});
