import type { ConformanceCase } from '../context.js';

export const stringCases: ConformanceCase[] = [
  {
    name: 'ping resolves and topology is the one configured',
    async run({ redis, options, expect }) {
      await redis.ping();
      expect(redis.topology).toBe(options.topology);
    },
  },
  {
    name: 'time() is the server clock in milliseconds',
    async run({ redis, probe, expect }) {
      const [seconds, micros] = (await probe.command(['TIME'])) as [string, string];
      const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const adapter = await redis.time();
      expect(Number.isInteger(adapter)).toBe(true);
      expect(Math.abs(adapter - server)).toBeLessThan(2_000);
    },
  },
  {
    name: 'get reads null for a missing key and what set wrote',
    async run({ redis, probe, key, expect }) {
      const k = key('string');
      expect(await redis.get(k)).toBeNull();
      expect(await redis.set(k, 'välue ✓')).toBe(true);
      expect(await probe.command(['GET', k])).toBe('välue ✓');
      await probe.command(['SET', k, 'from-probe']);
      expect(await redis.get(k)).toBe('from-probe');
    },
  },
  {
    name: 'set onlyIfAbsent (NX) sets a missing key only',
    async run({ redis, probe, key, expect }) {
      const k = key('nx');
      expect(await redis.set(k, 'first', { onlyIfAbsent: true })).toBe(true);
      expect(await redis.set(k, 'second', { onlyIfAbsent: true })).toBe(false);
      expect(await probe.command(['GET', k])).toBe('first');
    },
  },
  {
    name: 'set onlyIfPresent (XX) sets an existing key only',
    async run({ redis, probe, key, expect }) {
      const k = key('xx');
      expect(await redis.set(k, 'first', { onlyIfPresent: true })).toBe(false);
      expect(await probe.command(['EXISTS', k])).toBe(0);
      await probe.command(['SET', k, 'there']);
      expect(await redis.set(k, 'second', { onlyIfPresent: true })).toBe(true);
      expect(await probe.command(['GET', k])).toBe('second');
    },
  },
  {
    name: 'set expireMs (PX) gives the key a time to live, also with NX',
    async run({ redis, probe, key, expect }) {
      const k = key('px');
      expect(await redis.set(k, 'v', { expireMs: 30_000, onlyIfAbsent: true })).toBe(true);
      const ttl = Number(await probe.command(['PTTL', k]));
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      await redis.set(k, 'w');
      expect(await probe.command(['PTTL', k])).toBe(-1);
    },
  },
  {
    name: 'del reports whether the key existed',
    async run({ redis, probe, key, expect }) {
      const k = key('del');
      await probe.command(['SET', k, 'v']);
      expect(await redis.del(k)).toBe(true);
      expect(await probe.command(['EXISTS', k])).toBe(0);
      expect(await redis.del(k)).toBe(false);
    },
  },
];
