import type { ConformanceCase } from '../context.js';

export const listCases: ConformanceCase[] = [
  {
    name: 'listPush keeps order on either side and returns the length',
    async run({ redis, probe, key, expect }) {
      const k = key('list');
      expect(await redis.listPush(k, ['a', 'b'], { side: 'right' })).toBe(2);
      expect(await redis.listPush(k, ['c', 'd'], { side: 'left' })).toBe(4);
      // LPUSH c d puts d first: each value goes to the head in turn.
      expect(await probe.command(['LRANGE', k, 0, -1])).toEqual(['d', 'c', 'a', 'b']);
    },
  },
  {
    name: 'listRange and listLength read a missing key as empty, and take negative indexes',
    async run({ redis, probe, key, expect }) {
      const k = key('range');
      expect(await redis.listRange(k, 0, -1)).toEqual([]);
      expect(await redis.listLength(k)).toBe(0);
      await probe.command(['RPUSH', k, '1', '2', '3', '4']);
      expect(await redis.listRange(k, 1, 2)).toEqual(['2', '3']);
      expect(await redis.listRange(k, -2, -1)).toEqual(['3', '4']);
      expect(await redis.listLength(k)).toBe(4);
    },
  },
  {
    name: 'listRemove removes byte-identical values, all or counted from either end',
    async run({ redis, probe, key, expect }) {
      const k = key('rem');
      const unit = '{"id":"ü-1","offset":0}';
      await probe.command(['RPUSH', k, unit, 'x', unit, 'y', unit, `${unit} `]);
      expect(await redis.listRemove(k, unit, { count: 1 })).toBe(1);
      expect(await probe.command(['LRANGE', k, 0, -1])).toEqual(['x', unit, 'y', unit, `${unit} `]);
      expect(await redis.listRemove(k, unit, { count: -1 })).toBe(1);
      expect(await probe.command(['LRANGE', k, 0, -1])).toEqual(['x', unit, 'y', `${unit} `]);
      await probe.command(['RPUSH', k, unit]);
      expect(await redis.listRemove(k, unit)).toBe(2);
      expect(await probe.command(['LRANGE', k, 0, -1])).toEqual(['x', 'y', `${unit} `]);
      expect(await redis.listRemove(key('missing'), unit)).toBe(0);
    },
  },
  {
    name: 'listMove moves one element between the ends named, null when empty',
    async run({ redis, probe, key, expect }) {
      const from = key('from');
      const to = key('to');
      expect(await redis.listMove(from, to, { from: 'right', to: 'left' })).toBeNull();
      await probe.command(['RPUSH', from, 'u1', 'u2']);
      await probe.command(['RPUSH', to, 'w']);
      expect(await redis.listMove(from, to, { from: 'right', to: 'left' })).toBe('u2');
      expect(await redis.listMove(from, to, { from: 'left', to: 'right' })).toBe('u1');
      expect(await probe.command(['LLEN', from])).toBe(0);
      expect(await probe.command(['LRANGE', to, 0, -1])).toEqual(['u2', 'w', 'u1']);
    },
  },
];
