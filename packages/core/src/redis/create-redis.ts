import type { IRedis, Logger } from '@kf/protocol';
import { parseRedisConfig } from '../config/parse-config.js';
import type { RedisConfig, RedisConfigInput } from '../config/types.js';
import { chooseAdapter } from './adapter-choice.js';
import { adapterOptions } from './adapter-options.js';
import { type AdapterImporter, importAdapter, loadAdapterFactory } from './load-adapter.js';

/**
 * Makes the `IRedis` for a config in place of the adapter `createRedis` would pick
 * (kafka-clj's `redis-factory`).
 */
export type RedisFactory = (redis: RedisConfig) => IRedis | Promise<IRedis>;

export interface CreateRedisOptions {
  /** Bypasses the adapter choice: called with the validated `redis` section. */
  redisFactory?: RedisFactory;
  /** Handed to the adapter for connection trouble; silent when omitted. */
  logger?: Logger;
}

/**
 * Connects to Redis as the `redis` section asks: the adapter is picked from its shape
 * (one server, Sentinel, Cluster; ioredis or node-redis) and loaded only now, so only
 * the adapter in use needs to be installed. Takes the section as written (validated
 * here) or as `parseConfig` returned it.
 */
export function createRedis(
  conf: RedisConfigInput | RedisConfig,
  options: CreateRedisOptions = {},
): Promise<IRedis> {
  return createRedisWith(importAdapter, conf, options);
}

/** A section `parseConfig` returned says its topology; one as written never does. */
function isParsed(conf: RedisConfigInput | RedisConfig): conf is RedisConfig {
  return typeof conf === 'object' && conf !== null && 'topology' in conf;
}

/** `createRedis` with the way adapters are imported passed in, for tests. */
export async function createRedisWith(
  importer: AdapterImporter,
  conf: RedisConfigInput | RedisConfig,
  options: CreateRedisOptions,
): Promise<IRedis> {
  const redis = isParsed(conf) ? conf : parseRedisConfig(conf);
  if (options.redisFactory) return await options.redisFactory(redis);
  const choice = chooseAdapter(redis);
  const factory = await loadAdapterFactory(choice, importer);
  return (await factory(adapterOptions(redis, options.logger))) as IRedis;
}
