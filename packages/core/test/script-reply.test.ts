import { ErrorCode, type IRedis, isKfError, ScriptError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { integer, integerPair } from '../src/coordination/script-reply.js';
import { createLeaderLock, createNodeLeases } from '../src/index.js';
import { scripts } from '../src/scripts/index.js';

describe('script replies', () => {
  test('integer pairs and integers are read as numbers', () => {
    expect(integerPair(scripts.renewLeader, [1, 7])).toEqual([1, 7]);
    expect(integerPair(scripts.renewLeader, ['0', '12'])).toEqual([0, 12]);
    expect(integer(scripts.releaseLeader, 1)).toBe(1);
  });

  test.each([[null], ['OK'], [[1]], [[1, 'x']], [[1, 2, 3]]])(
    'a reply of another shape (%j) is a ScriptError naming the script',
    (reply) => {
      const read = () => integerPair(scripts.renewLeader, reply);
      expect(read).toThrow(ScriptError);
      expect(read).toThrow(/renew-leader failed: unexpected reply .*expected two integers/);
      try {
        read();
      } catch (error) {
        expect(isKfError(error, ErrorCode.Script)).toBe(true);
      }
    },
  );
});

describe('lock and lease options are checked before any command', () => {
  const unused = {} as IRedis;

  test.each([0, -5, 1.5, Number.NaN])('ttlMs %s is a RangeError', (ttlMs) => {
    expect(() => createLeaderLock(unused, { group: 'g', ttlMs })).toThrow(RangeError);
    expect(() => createNodeLeases(unused, { group: 'g', ttlMs })).toThrow(/ttlMs must be/);
  });

  test('a group that would break the hash tag is a ConfigError', () => {
    expect(() => createLeaderLock(unused, { group: '{x}', ttlMs: 1_000 })).toThrow(
      /redis.groupName/,
    );
  });

  test('an empty node id is refused', async () => {
    const leases = createNodeLeases(unused, { group: 'g', ttlMs: 1_000 });
    await expect(leases.renew('')).rejects.toThrow(/nodeId must not be empty/);
  });
});
