import { ConfigError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { groupKeys } from '../src/index.js';

/** The hash tag Redis Cluster hashes: the text between the first `{` and the next `}`. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return key.slice(open + 1, close);
}

describe('groupKeys', () => {
  const keys = groupKeys('orders');

  test('names every key as in the design, under the group hash tag', () => {
    expect([
      keys.work,
      keys.working('node-1'),
      keys.error,
      keys.offsets,
      keys.topics,
      keys.leader,
      keys.epoch,
      keys.nodes,
      keys.paused,
      keys.ordering,
      keys.pending('payments', 3),
    ]).toEqual([
      'kf:{orders}:work',
      'kf:{orders}:working:node-1',
      'kf:{orders}:error',
      'kf:{orders}:offsets',
      'kf:{orders}:topics',
      'kf:{orders}:leader',
      'kf:{orders}:epoch',
      'kf:{orders}:nodes',
      'kf:{orders}:paused',
      'kf:{orders}:ordering',
      'kf:{orders}:pending:payments/3',
    ]);
  });

  test('every key hashes by the group alone, whatever node or topic names hold', () => {
    const odd = [keys.working('n{1}'), keys.pending('t}x{', 0), keys.work];
    expect(odd.map(hashTag)).toEqual(['orders', 'orders', 'orders']);
  });

  test('rejects a group that would break the hash tag', () => {
    expect(() => groupKeys('a}b')).toThrow(ConfigError);
    expect(() => groupKeys('')).toThrow(/redis.groupName/);
  });
});
