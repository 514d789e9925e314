import {
  AdapterNotInstalledError,
  ClusterRedirectError,
  CommandError,
  CommandTimeoutError,
  ConfigError,
  ConnectionClosedError,
  ErrorCode,
  isKfError,
  ScriptError,
} from '@kf/protocol';
import { describe, expect, test } from 'vitest';

const cause = new Error('driver said no');

describe('error classes', () => {
  test.each([
    [
      new ConnectionClosedError('closed', { cause }),
      'ConnectionClosedError',
      ErrorCode.ConnectionClosed,
    ],
    [
      new CommandTimeoutError('GET', 1000, { cause }),
      'CommandTimeoutError',
      ErrorCode.CommandTimeout,
    ],
    [
      new CommandError('LPUSH', 'WRONGTYPE Operation', { cause }),
      'CommandError',
      ErrorCode.Command,
    ],
    [new ScriptError('schedule', 'boom', { cause }), 'ScriptError', ErrorCode.Script],
    [
      new ClusterRedirectError('GET', { cause }),
      'ClusterRedirectError',
      ErrorCode.ClusterRedirectExhausted,
    ],
    [
      new AdapterNotInstalledError('@kf/redis-cluster', 'a cluster', { cause }),
      'AdapterNotInstalledError',
      ErrorCode.AdapterNotInstalled,
    ],
    [
      new ConfigError([{ path: 'redis.host', message: 'expected a string' }], { cause }),
      'ConfigError',
      ErrorCode.ConfigInvalid,
    ],
  ])('%s has its name, stable code and cause', (error, name, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(isKfError(error, code)).toBe(true);
    expect(String(error)).toContain(name);
  });

  test('messages name what was wrong', () => {
    expect(new CommandError('LPUSH', 'WRONGTYPE Operation against a key').prefix).toBe('WRONGTYPE');
    expect(new CommandTimeoutError('BLMOVE', 250).message).toBe(
      'Redis BLMOVE got no reply within 250 ms',
    );
    expect(new AdapterNotInstalledError('@kf/redis-cluster', 'a cluster').message).toMatch(
      /needs @kf\/redis-cluster for a cluster.*npm install @kf\/redis-cluster/,
    );
    const config = new ConfigError([
      { path: 'redis.host[1]', message: 'expected "host:port"' },
      { path: 'conf.consumeStep', message: 'expected a positive integer' },
    ]);
    expect(config.message).toBe(
      'invalid kf config: redis.host[1]: expected "host:port"; conf.consumeStep: expected a positive integer',
    );
    expect(config.issues).toHaveLength(2);
  });
});

describe('isKfError', () => {
  test('recognises an error of another copy of the package by its shared brand and code', () => {
    // What an error thrown by the CJS copy looks like to the ESM copy: not `instanceof`,
    // but branded with the registry symbol every copy shares.
    const foreign = Object.assign(new Error('closed'), {
      [Symbol.for('kf.error')]: true,
      code: 'KF_CONNECTION_CLOSED',
    });
    expect(foreign instanceof ConnectionClosedError).toBe(false);
    expect(isKfError(foreign)).toBe(true);
    expect(isKfError(foreign, ErrorCode.ConnectionClosed)).toBe(true);
    expect(isKfError(foreign, ErrorCode.Script)).toBe(false);
  });

  test('rejects look-alikes without the brand, and non-errors', () => {
    expect(isKfError(Object.assign(new Error('x'), { code: 'KF_SCRIPT_ERROR' }))).toBe(false);
    expect(isKfError(null)).toBe(false);
    expect(isKfError('KF_SCRIPT_ERROR')).toBe(false);
    expect(isKfError({ [Symbol.for('kf.error')]: true })).toBe(false);
  });
});
