/**
 * kf's Redis adapter on node-redis (the `redis` package), for one server, a Redis Cluster or
 * a master behind Redis Sentinel.
 *
 * @module @kf/redis-node-redis
 */
export type { Logger } from '@kf/protocol';
export { createNodeRedis } from './create-node-redis.js';
export type {
  NodeRedisClient,
  NodeRedisCluster,
  NodeRedisDriver,
  NodeRedisSentinel,
} from './driver-types.js';
export {
  type AdapterOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type HostAndPort,
  type NodeRedisClusterOptions,
  type NodeRedisOptions,
  type NodeRedisSentinelOptions,
  type NodeRedisSingleOptions,
  type SecurityOptions,
} from './options.js';
export { UnexpectedReplyError } from './replies.js';
