import { describe, expect, test } from 'vitest';
import {
  asRecord,
  asScore,
  asScoredMembers,
  asScriptReply,
  asTextList,
  UnexpectedReplyError,
} from '../src/replies.js';

describe('reading replies the same over RESP2 and RESP3', () => {
  test('sorted-set pairs: nested (RESP3) or flat (RESP2), scores as doubles or text', () => {
    const expected = [
      { member: 'a', score: 1.5 },
      { member: 'b', score: Number.POSITIVE_INFINITY },
    ];
    expect(
      asScoredMembers('Z', [
        ['a', 1.5],
        ['b', Number.POSITIVE_INFINITY],
      ]),
    ).toEqual(expected);
    expect(asScoredMembers('Z', ['a', '1.5', 'b', 'inf'])).toEqual(expected);
    expect(asScoredMembers('Z', [])).toEqual([]);
    expect(asScore('Z', '-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(asScore('Z', '2500000000000')).toBe(2.5e12);
  });

  test('maps arrive flat; sets as arrays or Sets', () => {
    expect(asRecord('H', ['f1', 'v1', 'f2', 'v2'])).toEqual({ f1: 'v1', f2: 'v2' });
    expect(asTextList('S', new Set(['x', 'y']))).toEqual(['x', 'y']);
  });

  test('script replies fold RESP3 types into the RESP2 shapes', () => {
    expect(asScriptReply('E', [1, 'a', null, [true, false], 2n])).toEqual([
      1,
      'a',
      null,
      [1, null],
      2,
    ]);
    expect(asScriptReply('E', new Map([['k', 'v']]))).toEqual(['k', 'v']);
  });

  test('a reply of the wrong shape is an UnexpectedReplyError naming the command', () => {
    expect(() => asTextList('SMEMBERS', 5)).toThrow(UnexpectedReplyError);
    expect(() => asTextList('SMEMBERS', 5)).toThrow(/SMEMBERS replied a number, expected an array/);
  });
});
