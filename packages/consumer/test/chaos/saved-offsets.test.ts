import { describe, expect, test } from 'vitest';
import { savedOffsetRollbacks } from './saved-offsets.js';

describe('saved offsets across a Redis fail-over', () => {
  test('a saved offset lower on the promoted replica is a rollback of that range', () => {
    expect(
      savedOffsetRollbacks(
        { 'a-topic/0': '256', 'a-topic/1': '300', 'b/2': '10' },
        { 'a-topic/0': '253', 'a-topic/1': '300', 'b/2': '12' },
      ),
    ).toEqual([{ topic: 'a-topic', partition: 0, from: 253, to: 256 }]);
  });

  test('a field the replacement lacks rolled back to nothing saved; numbers compare as numbers', () => {
    expect(savedOffsetRollbacks({ 'x/0': '5', 'x/1': '100' }, { 'x/1': '99' })).toEqual([
      { topic: 'x', partition: 0, from: 0, to: 5 },
      { topic: 'x', partition: 1, from: 99, to: 100 },
    ]);
    expect(savedOffsetRollbacks({ 'x/1': '100' }, { 'x/1': '1000' })).toEqual([]);
  });
});
