import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { CommandError, ConnectionClosedError, type IRedis } from '@kf/protocol';
import { type ConformanceOptions, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorAndLifecycleCases } from '../src/testkit/cases/errors-and-lifecycle.js';
import { runCase } from '../src/testkit/context.js';
import { caseNamed } from './support/stub-redis.js';

const passwordCase = caseNamed(errorAndLifecycleCases, 'errors never carry the password');

/**
 * Just enough of `IRedis` for the case: `set` works, `hashGetAll` on a string fails as
 * a server would (WRONGTYPE), a call after `close()` fails as closed. A `leaky` one puts
 * `password` into its errors' causes, the defect the case is for.
 */
function stubRedis(password: string, leaky: boolean): IRedis {
  let closed = false;
  const cause = leaky ? new Error(`AUTH ${password} then HGETALL`) : new Error('HGETALL');
  const redis: Pick<IRedis, 'topology' | 'set' | 'hashGetAll' | 'get' | 'close'> = {
    topology: 'single',
    set: async () => true,
    hashGetAll: async () => {
      throw new CommandError('HGETALL', 'WRONGTYPE Operation against a key', { cause });
    },
    get: async () => {
      if (closed) throw new ConnectionClosedError('the adapter was closed', { cause });
      return null;
    },
    close: async () => {
      closed = true;
    },
  };
  // The case calls nothing else; the other methods would only be stubs.
  return redis as IRedis;
}

describe('the case "errors never carry the password"', () => {
  const password = `case-pw-${randomUUID()}`;
  let redis: RedisSingle;
  beforeAll(async () => {
    redis = await startRedisSingle({ password });
  });
  afterAll(() => redis?.stop());

  const options = (withPassword: boolean): ConformanceOptions => ({
    name: 'stub',
    topology: 'single',
    probe: {
      host: redis.info.host,
      port: redis.info.port,
      ...(withPassword ? { password } : {}),
    },
  });
  const run = (adapter: IRedis, withPassword = true) =>
    runCase(passwordCase, () => adapter, options(withPassword), expect);

  test('passes on an adapter whose errors do not carry the password', async () => {
    await run(stubRedis(password, false));
  });

  test('fails on an adapter whose errors carry the password', async () => {
    const failure = await rejectionOf(run(stubRedis(password, true)));
    expect(String(failure)).toMatch(/not to contain/);
  });

  test('refuses to run without a password to look for, saying what it needs', async () => {
    const failure = await rejectionOf(run(stubRedis(password, false), false));
    expect(String(failure)).toMatch(/needs a password-protected server/);
    expect(String(failure)).toMatch(/probe\.password/);
    expect(String(failure)).toMatch(/cannotAuthenticate/);
  });

  test('fails on a server that requires a password when the adapter is declared unable to log in', async () => {
    const failure = await rejectionOf(
      runCase(
        passwordCase,
        () => stubRedis(password, false),
        { ...options(false), cannotAuthenticate: 'mydriver has no AUTH' },
        expect,
      ),
    );
    expect(String(failure)).toMatch(/declared unable to authenticate \("mydriver has no AUTH"\)/);
    expect(String(failure)).toMatch(/NOAUTH/);
  });

  test('refuses a password and a declaration that the adapter cannot log in together', async () => {
    const failure = await rejectionOf(
      runCase(
        passwordCase,
        () => stubRedis(password, false),
        { ...options(true), cannotAuthenticate: 'mydriver has no AUTH' },
        expect,
      ),
    );
    expect(String(failure)).toMatch(/give one or the other/);
  });
});

describe('the case "errors never carry the password", on servers that do not require one', () => {
  const appPassword = `case-app-pw-${randomUUID()}`;
  let open: RedisSingle;
  let aclOnly: RedisSingle;
  beforeAll(async () => {
    [open, aclOnly] = await Promise.all([
      startRedisSingle(),
      // An ACL user with a password, while the default user still logs in without one.
      startRedisSingle({ users: [`app on >${appPassword} ~* &* +@all`] }),
    ]);
  });
  afterAll(() => Promise.all([open?.stop(), aclOnly?.stop()]));

  test('fails when the server answers a connection that sent no password', async () => {
    const probe = {
      host: aclOnly.info.host,
      port: aclOnly.info.port,
      username: 'app',
      password: appPassword,
    };
    const failure = await rejectionOf(
      runCase(
        passwordCase,
        () => stubRedis(appPassword, false),
        { name: 'stub', topology: 'single', probe },
        expect,
      ),
    );
    expect(String(failure)).toMatch(/answered a connection that sent no password/);
  });

  test('passes on an open server for an adapter declared unable to log in', async () => {
    await runCase(
      passwordCase,
      () => stubRedis('no-password', false),
      {
        name: 'stub',
        topology: 'single',
        probe: { host: open.info.host, port: open.info.port },
        cannotAuthenticate: 'mydriver has no AUTH',
      },
      expect,
    );
  });
});
