import type { ConformanceCase } from '../context.js';
import { caseTimeout, LOAD_MARGIN, REPLY_MS } from '../timing.js';

/**
 * WAIT's timeout with a replica attached: the master asks its replicas for an
 * acknowledgement at once (REPLCONF GETACK) and one answers within a round trip, so
 * WAIT returns long before this.
 */
const REPLICATED_WAIT_MS = REPLY_MS * LOAD_MARGIN;
/**
 * WAIT's timeout with no replica: nothing can acknowledge, so WAIT answers 0 only when
 * its timeout passes. Any timeout shows that; a short one keeps the case quick.
 */
const UNREPLICATED_WAIT_MS = REPLY_MS;

export const replicationCases: ConformanceCase[] = [
  {
    name: 'wait counts the replicas that acknowledged the writes so far',
    timeoutMs: caseTimeout(REPLICATED_WAIT_MS),
    async run({ redis, key, options, expect }) {
      const k = key('replicated');
      await redis.set(k, 'v');
      const replicated = (options.replicas ?? 0) > 0;
      const acknowledged = await redis.wait({
        replicas: 1,
        timeoutMs: replicated ? REPLICATED_WAIT_MS : UNREPLICATED_WAIT_MS,
        key: k,
      });
      if (replicated) expect(acknowledged).toBeGreaterThanOrEqual(1);
      else expect(acknowledged).toBe(0);
    },
  },
];
