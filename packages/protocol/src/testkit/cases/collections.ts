import type { ConformanceCase } from '../context.js';

export const collectionCases: ConformanceCase[] = [
  {
    name: 'hashes: set counts new fields, get/getAll read, delete counts removed',
    async run({ redis, probe, key, expect }) {
      const k = key('offsets');
      expect(await redis.hashGetAll(k)).toEqual({});
      expect(await redis.hashGet(k, 'orders/0')).toBeNull();
      expect(await redis.hashSet(k, { 'orders/0': '10', 'orders/1': '20' })).toBe(2);
      expect(await redis.hashSet(k, { 'orders/0': '11', 'orders/2': '5' })).toBe(1);
      expect(await probe.command(['HGET', k, 'orders/0'])).toBe('11');
      expect(await redis.hashGet(k, 'orders/2')).toBe('5');
      expect(await redis.hashGetAll(k)).toEqual({
        'orders/0': '11',
        'orders/1': '20',
        'orders/2': '5',
      });
      expect(await redis.hashDelete(k, ['orders/1', 'nope'])).toBe(1);
      expect(await probe.command(['HLEN', k])).toBe(2);
    },
  },
  {
    name: 'sorted sets: add, range by score with bounds and count, score, remove',
    async run({ redis, probe, key, expect }) {
      const k = key('pending');
      expect(await redis.sortedSetRangeByScore(k, { min: '-inf', max: '+inf' })).toEqual([]);
      expect(await redis.sortedSetScore(k, 'u1')).toBeNull();
      const added = await redis.sortedSetAdd(k, [
        { member: 'u3', score: 300 },
        { member: 'u1', score: 100 },
        { member: 'u2', score: 2.5e12 },
      ]);
      expect(added).toBe(3);
      expect(await redis.sortedSetAdd(k, [{ member: 'u1', score: 150 }])).toBe(0);
      expect(await probe.command(['ZSCORE', k, 'u1'])).toBe('150');
      expect(await redis.sortedSetScore(k, 'u2')).toBe(2.5e12);
      expect(await redis.sortedSetRangeByScore(k, { min: '-inf', max: '+inf' })).toEqual([
        { member: 'u1', score: 150 },
        { member: 'u3', score: 300 },
        { member: 'u2', score: 2.5e12 },
      ]);
      expect(await redis.sortedSetRangeByScore(k, { min: 150, max: 300 })).toEqual([
        { member: 'u1', score: 150 },
        { member: 'u3', score: 300 },
      ]);
      expect(await redis.sortedSetRangeByScore(k, { min: '-inf', max: '+inf', count: 1 })).toEqual([
        { member: 'u1', score: 150 },
      ]);
      expect(await redis.sortedSetRemove(k, ['u3', 'nope'])).toBe(1);
      expect(await probe.command(['ZCARD', k])).toBe(2);
    },
  },
  {
    name: 'sets: add counts new members, members lists them, remove counts removed',
    async run({ redis, probe, key, expect }) {
      const k = key('topics');
      expect(await redis.setMembers(k)).toEqual([]);
      expect(await redis.setAdd(k, ['orders', 'payments'])).toBe(2);
      expect(await redis.setAdd(k, ['orders', 'refunds'])).toBe(1);
      expect(((await probe.command(['SMEMBERS', k])) as string[]).sort()).toEqual([
        'orders',
        'payments',
        'refunds',
      ]);
      expect((await redis.setMembers(k)).sort()).toEqual(['orders', 'payments', 'refunds']);
      expect(await redis.setRemove(k, ['payments', 'nope'])).toBe(1);
      expect(await probe.command(['SCARD', k])).toBe(2);
    },
  },
];
