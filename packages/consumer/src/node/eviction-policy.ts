import type { GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import { scripts } from '../scripts/index.js';
import { readServerInfo } from './server-info.js';

/**
 * kf's queues and offsets are its state: a Redis that evicts keys under memory pressure
 * loses work without a word. With `noeviction` a full Redis answers `OOM` instead, which
 * kf handles and reports. This reads the policy of the server holding the group's keys
 * and warns when it may evict.
 */
export async function checkEvictionPolicy(
  redis: IRedis,
  keys: GroupKeys,
  logger: Logger,
): Promise<void> {
  const info = await readServerInfo(
    redis,
    scripts.memoryInfo,
    keys,
    logger,
    'could not read the Redis maxmemory-policy (INFO refused); kf needs noeviction',
  );
  if (info === undefined) return;
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy === undefined || policy === 'noeviction') return;
  logger.warn(
    { policy },
    `Redis maxmemory-policy is ${policy}: under memory pressure it may evict kf's queued units and offsets, losing work silently; run kf's Redis with maxmemory-policy noeviction`,
  );
}
