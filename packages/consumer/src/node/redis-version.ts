import type { GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import { NodeStartError } from '../errors/node-start-error.js';
import { scripts } from '../scripts/index.js';
import { readServerInfo } from './server-info.js';

/** Workers claim with `BLMOVE` and scripts move units with `LMOVE`: both Redis 6.2. */
const NEEDED: readonly [number, number] = [6, 2];

/**
 * What is wrong with the Redis version an `INFO server` text reports, or undefined when
 * it is new enough or does not say (a server that hides it is not kf's to judge).
 */
export function redisVersionProblem(info: string): string | undefined {
  const version = /^redis_version:(\d+)\.(\d+)\S*/m.exec(info);
  if (!version) return undefined;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) return undefined;
  const found = version[0].slice('redis_version:'.length);
  return `${found} is older than kf needs: Redis ${NEEDED.join('.')} or newer (BLMOVE, LMOVE)`;
}

/**
 * Fails the start on a Redis too old for kf's commands, which would otherwise fail every
 * claim once the node runs. A server that refuses to run the script (an ACL without
 * INFO, a renamed INFO, a script refused under OOM) is said once, at info level; any
 * other failure (no answer, a lost connection) is thrown.
 */
export async function checkRedisVersion(
  redis: IRedis,
  keys: GroupKeys,
  logger: Logger,
): Promise<void> {
  const info = await readServerInfo(
    redis,
    scripts.serverInfo,
    keys,
    logger,
    'could not read the Redis version (the server refused INFO); kf needs 6.2 or newer',
  );
  if (info === undefined) return;
  const problem = redisVersionProblem(info);
  if (problem !== undefined) throw new NodeStartError('redis', problem);
}
