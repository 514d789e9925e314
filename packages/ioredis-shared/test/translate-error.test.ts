import { ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { translateError } from '../src/translate-error.js';

// Errors shaped as ioredis makes them: a ReplyError for a server error reply carrying
// the command and its arguments, plain Errors for client-side failures.
function replyError(message: string, args: string[] = []): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  Object.assign(error, { command: { name: 'auth', args } });
  return error;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const context = { command: 'GET', timeoutMs: 750, closed: false, secrets: ['hunter2'] };

describe('translateError', () => {
  test('a server error reply becomes CommandError with its prefix', () => {
    const error = translateError(replyError('WRONGTYPE Operation against a key'), context);
    expect(isKfError(error, ErrorCode.Command)).toBe(true);
    expect(error).toMatchObject({ command: 'GET', prefix: 'WRONGTYPE' });
  });

  test('inside a script, a server error reply becomes ScriptError naming the script', () => {
    const error = translateError(replyError('ERR boom'), { ...context, scriptName: 'claim' });
    expect(isKfError(error, ErrorCode.Script)).toBe(true);
    expect(error).toMatchObject({ scriptName: 'claim', serverMessage: 'ERR boom' });
  });

  test.each([
    ['Command timed out', ErrorCode.CommandTimeout],
    ['Too many Cluster redirections. Last error: MOVED 1 x:1', ErrorCode.ClusterRedirectExhausted],
    ['Connection is closed.', ErrorCode.ConnectionClosed],
    ["Stream isn't writeable and enableOfflineQueue options is false", ErrorCode.ConnectionClosed],
    ['None of startup nodes is available', ErrorCode.ConnectionClosed],
  ])('"%s" becomes %s', (message, code) => {
    expect((translateError(new Error(message), context) as { code?: string }).code).toBe(code);
  });

  test('ioredis giving up on a reconnection becomes ConnectionClosedError', () => {
    const error = named('MaxRetriesPerRequestError', 'Reached the max retries per request limit');
    expect(isKfError(translateError(error, context), ErrorCode.ConnectionClosed)).toBe(true);
  });

  test('after close() every failure is ConnectionClosedError, a reply error too', () => {
    const error = translateError(replyError('ERR x'), { ...context, closed: true });
    expect(isKfError(error, ErrorCode.ConnectionClosed)).toBe(true);
  });

  test('a timeout names the command and the timeout', () => {
    const error = translateError(new Error('Command timed out'), context);
    expect(error).toMatchObject({ command: 'GET', timeoutMs: 750 });
  });

  test('the cause keeps name and message but drops the command arguments and masks secrets', () => {
    const driverError = replyError('WRONGPASS hunter2 rejected', ['default', 'hunter2']);
    const error = translateError(driverError, context);
    const cause = error.cause as Error & { command?: unknown };
    expect(cause.name).toBe('ReplyError');
    expect(cause.command).toBeUndefined();
    expect(`${error.message} ${cause.message} ${cause.stack}`).not.toContain('hunter2');
  });

  test('an error it does not know is passed on, masked, not swallowed nor misclassified', () => {
    const error = translateError(new TypeError('bad hunter2 argument'), context);
    expect(isKfError(error)).toBe(false);
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad *** argument');
  });
});
