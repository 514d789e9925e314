import { ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { createNodeRedis, type NodeRedisOptions } from '../src/index.js';

function configErrorOf(make: () => unknown): Error & { issues: { path: string }[] } {
  try {
    make();
  } catch (error) {
    expect(isKfError(error, ErrorCode.ConfigInvalid)).toBe(true);
    return error as Error & { issues: { path: string }[] };
  }
  throw new Error('expected a ConfigError');
}

describe('options are checked before anything connects', () => {
  test('each wrong field is named, all at once', () => {
    const error = configErrorOf(() =>
      createNodeRedis({
        topology: 'sentinel',
        sentinels: [{ host: '', port: 26379 }],
        name: '',
        commandTimeoutMs: -1,
        maxIdleBlockingConnections: 1.5,
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'commandTimeoutMs',
      'maxIdleBlockingConnections',
      'name',
      'sentinels[0]',
    ]);
  });

  test('a cluster needs nodes; a topology must be one kf knows', () => {
    expect(
      configErrorOf(() => createNodeRedis({ topology: 'cluster', nodes: [] })).issues[0]?.path,
    ).toBe('nodes');
    expect(
      configErrorOf(() => createNodeRedis({ topology: 'ring' } as unknown as NodeRedisOptions))
        .issues[0]?.path,
    ).toBe('topology');
  });

  test('a malformed URL is a ConfigError that does not repeat its credentials', () => {
    const error = configErrorOf(() => createNodeRedis({ url: 'redis://app:pa55word@[bad' }));
    expect(error.message).not.toContain('pa55word');
  });

  test('something that is neither options nor a node-redis object is refused', () => {
    expect(() => createNodeRedis(null as unknown as NodeRedisOptions)).toThrow(/node-redis/);
  });
});
