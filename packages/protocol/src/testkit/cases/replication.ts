import type { ConformanceCase } from '../context.js';

export const replicationCases: ConformanceCase[] = [
  {
    name: 'wait counts the replicas that acknowledged the writes so far',
    timeoutMs: 15_000,
    async run({ redis, key, options, expect }) {
      const k = key('replicated');
      await redis.set(k, 'v');
      const acknowledged = await redis.wait({ replicas: 1, timeoutMs: 2_000, key: k });
      if ((options.replicas ?? 0) > 0) expect(acknowledged).toBeGreaterThanOrEqual(1);
      else expect(acknowledged).toBe(0);
    },
  },
];
