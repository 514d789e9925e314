import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { CommandError, ConnectionClosedError, type IRedis } from '@kf/protocol';
import { type ConformanceOptions, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorAndLifecycleCases } from '../src/testkit/cases/errors-and-lifecycle.js';
import { runCase } from '../src/testkit/context.js';

const passwordCase = errorAndLifecycleCases.find(
  (c) => c.name === 'errors never carry the password',
);

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
  const run = (adapter: IRedis, withPassword = true) => {
    if (!passwordCase) throw new Error('the password case is not registered');
    return runCase(passwordCase, () => adapter, options(withPassword), expect);
  };

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
  });
});
