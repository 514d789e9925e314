import { inspect } from 'node:util';
import { type Logger, redact, redactedError, redactingLogger } from '@kf/protocol';
import { describe, expect, test } from 'vitest';

class DriverError extends Error {
  command = { name: 'auth', args: ['kf-user', 's3cret!'] };
}

describe('redact', () => {
  test('masks every given secret and credentials inside Redis URLs', () => {
    expect(redact('AUTH kf-user s3cret! failed; s3cret! again', ['s3cret!'])).toBe(
      'AUTH kf-user *** failed; *** again',
    );
    expect(redact('connect rediss://kf:other@10.0.0.1:6380 failed', [])).toBe(
      'connect rediss://***@10.0.0.1:6380 failed',
    );
    expect(redact('nothing to hide', ['', 'absent'])).toBe('nothing to hide');
  });
});

describe('redactedError', () => {
  test('copies name, message, code and the cause chain, masked, and drops everything else', () => {
    const cause = Object.assign(new Error('WRONGPASS s3cret!'), { code: 'WRONGPASS' });
    const original = new DriverError('auth with s3cret! failed', { cause });
    const copy = redactedError(original, ['s3cret!']);
    expect(copy.name).toBe('DriverError');
    expect(copy.message).toBe('auth with *** failed');
    expect((copy.cause as Error).message).toBe('WRONGPASS ***');
    expect((copy.cause as { code?: string }).code).toBe('WRONGPASS');
    expect(inspect(copy, { depth: 10 })).not.toContain('s3cret!');
    expect('command' in copy).toBe(false);
  });

  test('a cause chain that loops back is copied as the same loop, masked, and ends', () => {
    // A user's code may throw one (an error whose cause is itself, or two naming each
    // other): logging it must not overflow the stack.
    const outer = new Error('outer s3cret!');
    const inner = new Error('inner', { cause: outer });
    outer.cause = inner;
    const copy = redactedError(outer, ['s3cret!']);
    expect(copy.message).toBe('outer ***');
    expect((copy.cause as Error).message).toBe('inner');
    expect((copy.cause as Error).cause).toBe(copy);
    const self = new Error('self');
    self.cause = self;
    const selfCopy = redactedError(self, []);
    expect(selfCopy.cause).toBe(selfCopy);
  });

  test('turns a thrown non-error into an error', () => {
    expect(redactedError('boom s3cret!', ['s3cret!']).message).toBe('boom ***');
  });
});

describe('redactingLogger', () => {
  test('masks the message and the err field before the logger sees them', () => {
    const lines: unknown[] = [];
    const sink: Logger = {
      debug: (fields, message) => lines.push([fields, message]),
      info: (fields, message) => lines.push([fields, message]),
      warn: (fields, message) => lines.push([fields, message]),
      error: (fields, message) => lines.push([fields, message]),
    };
    const logger = redactingLogger(sink, ['s3cret!']);
    logger.warn(
      { err: new DriverError('s3cret! rejected'), node: 'a' },
      'reconnecting with s3cret!',
    );
    logger.info({ node: 'b' }, 'ready');
    expect(inspect(lines, { depth: 10 })).not.toContain('s3cret!');
    expect(lines).toHaveLength(2);
    expect((lines[0] as [{ node: string }, string])[0].node).toBe('a');
    expect((lines[0] as [unknown, string])[1]).toBe('reconnecting with ***');
  });
});
