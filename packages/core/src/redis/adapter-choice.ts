import type { RedisConfig } from '../config/types.js';

/** The adapter packages `createRedis` can load. */
export type AdapterPackage = '@kf/redis-single' | '@kf/redis-cluster' | '@kf/redis-node-redis';

export interface AdapterChoice {
  packageName: AdapterPackage;
  /** The factory the package exports. */
  factoryName: 'createSingleRedis' | 'createClusterRedis' | 'createNodeRedis';
  /** The driver the package needs beside it, a peer dependency the user installs. */
  driver: 'ioredis' | 'redis';
  /** What in the config asked for it, for the error when it is missing. */
  wantedFor: string;
}

/** Which adapter a config's shape asks for. */
export function chooseAdapter(redis: RedisConfig): AdapterChoice {
  if (redis.client === 'node-redis') {
    return {
      packageName: '@kf/redis-node-redis',
      factoryName: 'createNodeRedis',
      driver: 'redis',
      wantedFor: `node-redis (redis.client is 'node-redis') on ${describeTopology(redis)}`,
    };
  }
  if (redis.topology === 'cluster') {
    return {
      packageName: '@kf/redis-cluster',
      factoryName: 'createClusterRedis',
      driver: 'ioredis',
      wantedFor: describeTopology(redis),
    };
  }
  return {
    packageName: '@kf/redis-single',
    factoryName: 'createSingleRedis',
    driver: 'ioredis',
    wantedFor: describeTopology(redis),
  };
}

function describeTopology(redis: RedisConfig): string {
  switch (redis.topology) {
    case 'cluster':
      return `a Redis Cluster (redis.host lists ${redis.nodes.length} nodes)`;
    case 'sentinel':
      return 'Redis Sentinel (redis.sentinelAddresses and redis.masterName are set)';
    case 'single':
      return 'one Redis server (redis.host names one)';
  }
}
