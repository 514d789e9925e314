/**
 * The parts of kf that everything else stands on: the config schema with its defaults and
 * validation, `createRedis` (which loads only the adapter a config asks for), the Redis keys
 * of a group, and the leader lock and node leases the consumer coordinates with.
 *
 * @module @kf/core
 */
export type { Logger } from '@kf/protocol';
export { formatAddress } from './config/address.js';
export { DEFAULT_CONSUMER_CONF, DEFAULT_KAFKA, DEFAULT_REDIS } from './config/defaults.js';
export { parseConfig, parseRedisConfig } from './config/parse-config.js';
export type {
  AddressInput,
  ClusterRedisConfig,
  ConsumerConf,
  ConsumerConfInput,
  FetchConf,
  HostPort,
  KafkaClientConf,
  KafkaClientConfInput,
  KafkaClientName,
  KafkaSasl,
  KfConfig,
  KfConfigInput,
  Ordering,
  RedisClientName,
  RedisCommonConfig,
  RedisConfig,
  RedisConfigInput,
  SentinelRedisConfig,
  SingleRedisConfig,
  TlsOptions,
} from './config/types.js';
export {
  type AcquireResult,
  createLeaderLock,
  type LeaderLock,
  type LeaderLockOptions,
  type Leadership,
  type RenewResult,
} from './coordination/leader-lock.js';
export {
  createNodeLeases,
  type LeaseListing,
  type LeaseRenewal,
  type NodeLease,
  type NodeLeases,
  type NodeLeasesOptions,
} from './coordination/node-leases.js';
export { type GroupKeys, groupKeys } from './keys.js';
export { type CreateRedisOptions, createRedis, type RedisFactory } from './redis/create-redis.js';
export { missingPackage } from './redis/load-adapter.js';
export { withServerTime } from './scripts/index.js';
