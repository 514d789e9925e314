import type { NodeRedisClient, NodeRedisCluster, NodeRedisSentinel } from './driver-types.js';

export type DetectedDriver =
  | { topology: 'single'; driver: NodeRedisClient }
  | { topology: 'cluster'; driver: NodeRedisCluster }
  | { topology: 'sentinel'; driver: NodeRedisSentinel };

const isFunction = (value: unknown): boolean => typeof value === 'function';

/**
 * Tells a node-redis object from an options object, and which kind it is, by the
 * methods only that kind has: `getSlotMaster` for a cluster, `acquire` for Sentinel.
 * Duck typing rather than `instanceof`, since the caller's `redis` may be another copy
 * (or major version) than the one this package resolves.
 */
export function detectDriver(candidate: object): DetectedDriver | undefined {
  const value = candidate as Record<string, unknown>;
  if (!isFunction(value.sendCommand) || !isFunction(value.connect)) return undefined;
  if (isFunction(value.getSlotMaster) && isFunction(value.nodeClient)) {
    return { topology: 'cluster', driver: candidate as NodeRedisCluster };
  }
  if (isFunction(value.acquire)) {
    return { topology: 'sentinel', driver: candidate as NodeRedisSentinel };
  }
  if (isFunction(value.duplicate)) {
    return { topology: 'single', driver: candidate as NodeRedisClient };
  }
  return undefined;
}
