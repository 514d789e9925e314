import type { GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import { scripts } from '../scripts/index.js';

/**
 * kf's queues and offsets are its state: a Redis that evicts keys under memory pressure
 * loses work without a word. With `noeviction` a full Redis answers `OOM` instead, which
 * kf handles and reports. This reads the policy of the server holding the group's keys
 * and warns when it may evict. A server that refuses INFO is not kf's to judge: that
 * is said once, at info level.
 */
export async function checkEvictionPolicy(
  redis: IRedis,
  keys: GroupKeys,
  logger: Logger,
): Promise<void> {
  let info: unknown;
  try {
    info = await redis.evalScript(scripts.memoryInfo, [keys.nodes], []);
  } catch (error) {
    logger.info(
      { err: error },
      'could not read the Redis maxmemory-policy (INFO refused); kf needs noeviction',
    );
    return;
  }
  const policy = /maxmemory_policy:(\S+)/.exec(String(info))?.[1];
  if (policy === undefined || policy === 'noeviction') return;
  logger.warn(
    { policy },
    `Redis maxmemory-policy is ${policy}: under memory pressure it may evict kf's queued units and offsets, losing work silently; run kf's Redis with maxmemory-policy noeviction`,
  );
}
