import { inspect } from 'node:util';
import { ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { type ErrorContext, translateError } from '../src/translate-error.js';

// Stand-ins named as node-redis names its classes: the translation reads class names,
// so a caller's copy of `redis` (another major version) is recognised too.
class ErrorReply extends Error {}
class SimpleError extends ErrorReply {}
class TimeoutError extends Error {}
class SocketClosedUnexpectedlyError extends Error {}
class MaxCommandRedirectionsError extends Error {}

const context = (overrides: Partial<ErrorContext> = {}): ErrorContext => ({
  command: 'LPUSH',
  timeoutMs: 1_000,
  closed: false,
  secrets: ['s3cr3t-pw'],
  ...overrides,
});

describe('translating node-redis errors', () => {
  test('a server error reply is a CommandError with its prefix, or a ScriptError inside a script', () => {
    const reply = new SimpleError(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    const command = translateError(reply, context());
    expect(isKfError(command, ErrorCode.Command)).toBe(true);
    expect(command).toMatchObject({ command: 'LPUSH', prefix: 'WRONGTYPE' });
    const script = translateError(reply, context({ command: 'EVALSHA', scriptName: 'claim' }));
    expect(isKfError(script, ErrorCode.Script)).toBe(true);
    expect(script).toMatchObject({ scriptName: 'claim' });
  });

  test('redirections: MOVED, ASK, CLUSTERDOWN, TRYAGAIN replies and exhausted retries', () => {
    for (const error of [
      new SimpleError('MOVED 3999 127.0.0.1:7001'),
      new SimpleError('ASK 3999 127.0.0.1:7001'),
      new SimpleError('CLUSTERDOWN The cluster is down'),
      new SimpleError('TRYAGAIN Multiple keys request during rehashing of slot'),
      new MaxCommandRedirectionsError('Too many Cluster redirections'),
    ]) {
      const translated = translateError(error, context({ scriptName: 'inside-a-script' }));
      expect(isKfError(translated, ErrorCode.ClusterRedirectExhausted)).toBe(true);
    }
  });

  test('timeouts, lost connections and a closed adapter', () => {
    expect(isKfError(translateError(new TimeoutError(), context()), ErrorCode.CommandTimeout)).toBe(
      true,
    );
    expect(
      isKfError(
        translateError(new SocketClosedUnexpectedlyError('Socket closed unexpectedly'), context()),
        ErrorCode.ConnectionClosed,
      ),
    ).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isKfError(translateError(refused, context()), ErrorCode.ConnectionClosed)).toBe(true);
    const whileClosed = translateError(
      new SocketClosedUnexpectedlyError(),
      context({ closed: true }),
    );
    expect(isKfError(whileClosed, ErrorCode.ConnectionClosed)).toBe(true);
    expect((whileClosed as Error).message).toMatch(/the adapter was closed/);
    // A reply the server gave still reads as what it is.
    const reply = translateError(new SimpleError('WRONGTYPE x'), context({ closed: true }));
    expect(isKfError(reply, ErrorCode.Command)).toBe(true);
  });

  test('an error it does not know passes on as it is, with secrets masked', () => {
    const unknown = new TypeError('bad input near redis://app:s3cr3t-pw@db:6379 and s3cr3t-pw');
    const translated = translateError(unknown, context());
    expect(isKfError(translated)).toBe(false);
    expect(translated.name).toBe('TypeError');
    expect(translated.message).toBe('bad input near redis://***@db:6379 and ***');
  });

  test('no translated error, nor its cause, shows a secret', () => {
    const reply = new SimpleError('WRONGPASS s3cr3t-pw rejected');
    Object.assign(reply, { options: { password: 's3cr3t-pw' } });
    const translated = translateError(reply, context());
    expect(inspect(translated, { depth: 10, showHidden: true })).not.toContain('s3cr3t-pw');
    expect(JSON.stringify(translated)).not.toContain('s3cr3t-pw');
  });
});
