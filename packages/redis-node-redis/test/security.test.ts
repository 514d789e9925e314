import { randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import {
  type RedisCluster,
  type RedisSentinel,
  type RedisSingle,
  startRedisCluster,
  startRedisSentinel,
  startRedisSingle,
} from '@kf/devstack';
import { defineScript, ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { redisConformance, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { captureLogger, type LogEntry } from './support/capture-logger.js';
import { nodeRedisVersion } from './support/node-redis-version.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

const secret = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;
const password = secret('default-pw');
const appPassword = secret('app-pw');
const wrongPassword = secret('wrong-pw');

/** Everything a caller could print about an error, its causes included. */
const everythingAbout = (error: unknown) =>
  `${String(error)}\n${(error as Error).stack}\n${JSON.stringify(error)}\n${inspect(error, {
    depth: 10,
    showHidden: true,
  })}`;
const everythingLogged = (entries: LogEntry[]) =>
  entries
    .map((e) => `${e.message} ${inspect(e.fields, { depth: 10, showHidden: true })}`)
    .join('\n');

/** A round of the commands that open every kind of connection: shared, dedicated, scripts. */
async function exercise(redis: IRedis, tag: string): Promise<void> {
  await redis.set(`kf:{${tag}}:k`, 'v');
  expect(await redis.get(`kf:{${tag}}:k`)).toBe('v');
  await redis.listPush(`kf:{${tag}}:work`, ['u1'], { side: 'left' });
  expect(
    await redis.listBlockingMove(`kf:{${tag}}:work`, `kf:{${tag}}:working`, {
      from: 'right',
      to: 'left',
      timeoutMs: 2_000,
    }),
  ).toBe('u1');
  const script = defineScript('len', "return redis.call('LLEN', KEYS[1])");
  expect(await redis.evalScript(script, [`kf:{${tag}}:working`], [])).toBe(1);
  for (const key of ['k', 'work', 'working']) await redis.del(`kf:{${tag}}:${key}`);
}

/** A refused login fails fast and says so, and neither its error nor the log shows the password. */
async function expectRefusedLogin(redis: IRedis, logger: ReturnType<typeof captureLogger>) {
  const started = performance.now();
  const error = await rejectionOf(redis.ping());
  expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
  expect((error as Error).message).toMatch(/refused the login/);
  expect(performance.now() - started).toBeLessThan(5_000);
  await redis.close();
  for (const text of [everythingAbout(error), everythingLogged(logger.entries)]) {
    for (const pw of [password, appPassword, wrongPassword]) expect(text).not.toContain(pw);
  }
  expect(logger.entries.some((e) => e.level === 'error' && /cannot connect/.test(e.message))).toBe(
    true,
  );
}

describe(`node-redis ${nodeRedisVersion}: passwords, ACL users and TLS`, () => {
  describe('one server with a password, an ACL user, and TLS only (client certificates required)', () => {
    let server: RedisSingle;
    beforeAll(async () => {
      server = await startRedisSingle({
        password,
        users: [`kfapp on >${appPassword} ~* &* +@all`],
        tls: true,
      });
    });
    afterAll(() => server?.stop());
    const tls = () => server.info.tls as { ca: string; cert: string; key: string };
    const at = () => ({ host: server.info.host, port: server.info.port });

    redisConformance(
      { describe, test, expect },
      (settings) =>
        createNodeRedis({
          ...at(),
          username: 'kfapp',
          password: appPassword,
          tls: tls(),
          ...settings,
        }),
      () => ({
        name: `node-redis ${nodeRedisVersion}, ACL user over TLS`,
        topology: 'single',
        probe: { ...at(), username: 'kfapp', password: appPassword, tls: tls() },
      }),
      `IRedis conformance: node-redis ${nodeRedisVersion}, an ACL user over TLS`,
    );

    test('the default user by a rediss:// URL with the password in it, every kind of connection', async () => {
      const logger = captureLogger();
      const redis = createNodeRedis({
        url: `rediss://:${password}@127.0.0.1:${server.info.port}`,
        tls: tls(),
        logger,
      });
      try {
        await exercise(redis, randomUUID());
      } finally {
        await redis.close();
      }
      expect(everythingLogged(logger.entries)).not.toContain(password);
    });

    test('a wrong password fails fast with ConnectionClosedError, and is shown nowhere', async () => {
      const logger = captureLogger();
      const redis = createNodeRedis({
        ...at(),
        username: 'kfapp',
        password: wrongPassword,
        tls: tls(),
        logger,
      });
      await expectRefusedLogin(redis, logger);
    });

    test('the password written in a URL is masked too', async () => {
      const logger = captureLogger();
      const redis = createNodeRedis({
        url: `rediss://kfapp:${wrongPassword}@127.0.0.1:${server.info.port}`,
        tls: tls(),
        logger,
      });
      await expectRefusedLogin(redis, logger);
    });

    test('a server certificate from a CA not trusted fails fast with ConnectionClosedError', async () => {
      const { cert, key } = tls();
      const redis = createNodeRedis({
        ...at(),
        username: 'kfapp',
        password: appPassword,
        tls: { cert, key },
      });
      const started = performance.now();
      const error = await rejectionOf(redis.ping());
      expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
      expect((error as Error).message).toMatch(/TLS failed/);
      expect(performance.now() - started).toBeLessThan(5_000);
      await redis.close();
    });
  });

  describe('a Cluster with a password', () => {
    let cluster: RedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster({ password });
    });
    afterAll(() => cluster?.stop());

    test('every kind of connection logs in', async () => {
      const redis = createNodeRedis({
        topology: 'cluster',
        nodes: cluster.info.nodes.slice(0, 2),
        password,
      });
      try {
        await exercise(redis, randomUUID());
        expect(
          await redis.wait({ replicas: 1, timeoutMs: 2_000, key: 'kf:{w}:k' }),
        ).toBeGreaterThanOrEqual(0);
      } finally {
        await redis.close();
      }
    });

    test('a wrong password fails fast with ConnectionClosedError, and is shown nowhere', async () => {
      const logger = captureLogger();
      const redis = createNodeRedis({
        topology: 'cluster',
        nodes: cluster.info.nodes,
        password: wrongPassword,
        logger,
      });
      await expectRefusedLogin(redis, logger);
    });
  });

  describe('Sentinel with a password on master and replica', () => {
    let sentinel: RedisSentinel;
    beforeAll(async () => {
      sentinel = await startRedisSentinel({ password });
    });
    afterAll(() => sentinel?.stop());
    const options = () => ({
      topology: 'sentinel' as const,
      sentinels: sentinel.info.sentinels,
      name: sentinel.info.masterName,
    });

    test('every kind of connection logs in', async () => {
      const redis = createNodeRedis({ ...options(), password });
      try {
        await exercise(redis, randomUUID());
      } finally {
        await redis.close();
      }
    });

    test('a wrong password fails fast with ConnectionClosedError, and is shown nowhere', async () => {
      const logger = captureLogger();
      const redis = createNodeRedis({ ...options(), password: wrongPassword, logger });
      await expectRefusedLogin(redis, logger);
    });
  });
});
