import type { Logger } from '@kf/protocol';
import type { RedisConfig } from '../config/types.js';

/**
 * The options object each adapter's factory takes, built from a validated config. The
 * field names are the adapters' own: `@kf/redis-single`'s `SingleRedisOptions`,
 * `@kf/redis-cluster`'s `ClusterRedisOptions`, and `@kf/redis-node-redis`'s
 * `NodeRedisOptions`, which are the same plus a `topology` to tell them apart.
 */
export function adapterOptions(redis: RedisConfig, logger: Logger | undefined): object {
  const options = ioredisOptions(redis, logger);
  return redis.client === 'node-redis' ? { topology: redis.topology, ...options } : options;
}

function ioredisOptions(redis: RedisConfig, logger: Logger | undefined): object {
  const common = {
    ...(redis.username === undefined ? {} : { username: redis.username }),
    ...(redis.password === undefined ? {} : { password: redis.password }),
    ...(redis.tls === undefined ? {} : { tls: redis.tls }),
    ...(redis.timeout === undefined ? {} : { commandTimeoutMs: redis.timeout }),
    ...(logger === undefined ? {} : { logger }),
  };
  switch (redis.topology) {
    case 'single':
      return { ...common, host: redis.host, port: redis.port, db: redis.db };
    case 'sentinel':
      return {
        ...common,
        sentinels: redis.sentinels,
        name: redis.masterName,
        db: redis.db,
        ...(redis.sentinelUsername === undefined
          ? {}
          : { sentinelUsername: redis.sentinelUsername }),
        ...(redis.sentinelPassword === undefined
          ? {}
          : { sentinelPassword: redis.sentinelPassword }),
      };
    case 'cluster':
      return {
        ...common,
        nodes: redis.nodes,
        ...(redis.clusterNodeTimeout === undefined
          ? {}
          : { nodeTimeoutMs: redis.clusterNodeTimeout }),
      };
  }
}
