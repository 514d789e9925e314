import { groupKeys } from '@kf/core';
import { Redis } from 'ioredis';
import type { BenchContext } from './context.js';

const POLL_MS = 200;

/**
 * Waits until kf group `group` has a saved offset for each of `partitions` partitions:
 * its leader's first ticks have then looked at every partition. On 1000 partitions
 * that takes seconds, and a measure started sooner would count it.
 */
export async function untilGroupCoversPartitions(
  ctx: BenchContext,
  group: string,
  partitions: number,
  capMs: number,
): Promise<number> {
  const client = new Redis({ host: ctx.redis.host, port: ctx.redis.port, lazyConnect: true });
  await client.connect();
  const from = performance.now();
  try {
    const key = groupKeys(group).offsets;
    let saved = await client.hlen(key);
    while (saved < partitions) {
      if (performance.now() - from > capMs) {
        throw new Error(
          `bench: kf group ${group} saved offsets for ${saved} of ${partitions} partitions in ${capMs / 1_000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      saved = await client.hlen(key);
    }
    return performance.now() - from;
  } finally {
    client.disconnect();
  }
}
