/**
 * kf's Redis adapter on the ioredis `Cluster` client, for Redis Cluster.
 *
 * @module @kf/redis-cluster
 */
export type { ClientAdapterOptions, CommonRedisOptions, Logger } from '@kf/ioredis-shared';
export { createClusterRedis } from './create-cluster-redis.js';
export { DEFAULT_NODE_TIMEOUT_MS } from './failover-settings.js';
export type { ClusterNodeAddress, ClusterRedisOptions } from './options.js';
