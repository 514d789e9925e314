import { describe, expect, test } from 'vitest';
import { asHash, asScore, asScoredMembers, asScriptReply } from '../src/replies.js';

// Reply shapes differ between RESP2, RESP3 with ioredis's legacy mapping, and RESP3
// with the `resp3` mapping a caller may configure on a client it passes in.
describe('reply readers', () => {
  test('scored members from a flat list and from RESP3 pairs read the same', () => {
    const expected = [
      { member: 'a', score: 1.5 },
      { member: 'b', score: Number.POSITIVE_INFINITY },
    ];
    expect(asScoredMembers(['a', '1.5', 'b', 'inf'])).toEqual(expected);
    expect(
      asScoredMembers([
        ['a', 1.5],
        ['b', Number.POSITIVE_INFINITY],
      ]),
    ).toEqual(expected);
    expect(asScoredMembers(null)).toEqual([]);
  });

  test('scores spelled by Redis, infinities included', () => {
    expect(asScore('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(asScore('+inf')).toBe(Number.POSITIVE_INFINITY);
    expect(asScore('2500000000000')).toBe(2.5e12);
    expect(asScore(Buffer.from('3'))).toBe(3);
  });

  test('hashes from an object, a Map or a flat list', () => {
    const expected = { f: 'v', g: 'w' };
    expect(asHash({ f: 'v', g: 'w' })).toEqual(expected);
    expect(
      asHash(
        new Map([
          ['f', 'v'],
          ['g', 'w'],
        ]),
      ),
    ).toEqual(expected);
    expect(asHash(['f', 'v', 'g', 'w'])).toEqual(expected);
  });

  test("script replies as RESP2 gives them: RESP3's booleans become 1 and nil", () => {
    expect(asScriptReply([true, false, 3, Buffer.from('x'), null, ['y']])).toEqual([
      1,
      null,
      3,
      'x',
      null,
      ['y'],
    ]);
  });
});
