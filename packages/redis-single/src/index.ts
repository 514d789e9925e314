export type { ClientAdapterOptions, CommonRedisOptions, Logger } from '@kf/ioredis-shared';
export { createSingleRedis } from './create-single-redis.js';
export type {
  SentinelAddress,
  SentinelOptions,
  SingleRedisOptions,
  SingleServerOptions,
} from './options.js';
