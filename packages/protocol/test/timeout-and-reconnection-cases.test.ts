import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { ErrorCode, isKfError } from '@kf/protocol';
import { type AdapterFactory, rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { timeoutAndReconnectionCases } from '../src/testkit/cases/timeouts-and-reconnection.js';
import { type ConformanceCase, runCase } from '../src/testkit/context.js';
import { caseNamed, type StubFlaws, stubRedis } from './support/stub-redis.js';

const password = `cases-pw-${randomUUID()}`;
let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle({ password });
});
afterAll(() => server?.stop());

const address = () => ({ host: server.info.host, port: server.info.port, password });

function runOn(testCase: ConformanceCase, factory: AdapterFactory): Promise<void> {
  return runCase(testCase, factory, { name: 'stub', topology: 'single', probe: address() }, expect);
}
const run = (testCase: ConformanceCase, flaws: StubFlaws = {}) =>
  runOn(testCase, (settings) => stubRedis(address(), 'single', settings, flaws));

describe('the case "a command unanswered within the command timeout rejects with CommandTimeoutError"', () => {
  const timeoutCase = caseNamed(timeoutAndReconnectionCases, 'a command unanswered within');

  test('passes on an adapter that bounds every command by the timeout its factory was given', async () => {
    await run(timeoutCase);
  });

  test('fails on an adapter that waits for a reply however long the server takes', async () => {
    const failure = await rejectionOf(run(timeoutCase, { neverTimesOut: true }));
    expect(String(failure)).toMatch(/answered after \d+ ms, when the hold ended/);
    expect(String(failure)).toMatch(/settings\.commandTimeoutMs/);
  });

  test('fails on an adapter whose factory ignores the settings, keeping a long default timeout', async () => {
    const failure = await rejectionOf(runOn(timeoutCase, () => stubRedis(address(), 'single', {})));
    expect(String(failure)).toMatch(/instead of rejecting with CommandTimeoutError/);
  });
});

describe('the case "commands sent while a lost connection is re-established wait for it and succeed"', () => {
  const reconnectionCase = caseNamed(timeoutAndReconnectionCases, 'commands sent while a lost');

  test('passes on an adapter that reconnects for a command whose connection was lost', async () => {
    await run(reconnectionCase);
  });

  test('fails on an adapter that fails such a command with ConnectionClosedError', async () => {
    const failure = await rejectionOf(run(reconnectionCase, { failsWhileReconnecting: true }));
    expect(isKfError(failure, ErrorCode.ConnectionClosed)).toBe(true);
  });
});
