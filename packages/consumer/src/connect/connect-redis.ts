import { createRedis, type RedisConfig, type RedisFactory } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import { withDeadline } from './deadline.js';

/**
 * A Redis client that answered PING within `timeoutMs`. One that did not is closed
 * before the PING's error is thrown, for the caller to say what could not start.
 */
export async function connectRedis(
  config: RedisConfig,
  options: { redisFactory?: RedisFactory | undefined; logger: Logger; timeoutMs: number },
): Promise<IRedis> {
  const { logger, timeoutMs } = options;
  const redis = await createRedis(config, {
    ...(options.redisFactory ? { redisFactory: options.redisFactory } : {}),
    logger,
  });
  try {
    await withDeadline(redis.ping(), timeoutMs, 'no answer to PING');
    return redis;
  } catch (error) {
    await redis.close().catch((closeError: unknown) => {
      logger.warn({ err: closeError }, 'closing Redis after it did not answer');
    });
    throw error;
  }
}
