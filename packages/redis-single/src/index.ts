/**
 * kf's Redis adapter on ioredis for one Redis server or a Sentinel-managed master.
 *
 * @module @kf/redis-single
 */
export type { ClientAdapterOptions, CommonRedisOptions, Logger } from '@kf/ioredis-shared';
export { createSingleRedis } from './create-single-redis.js';
export type {
  SentinelAddress,
  SentinelOptions,
  SingleRedisOptions,
  SingleServerOptions,
} from './options.js';
