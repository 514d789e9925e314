import { z } from 'zod';
import { DEFAULT_REDIS } from './defaults.js';
import { addressList, groupName, hostName, integer, nonEmptyString, port } from './fields.js';
import { shapeIssues } from './redis-shape.js';
import type { RedisConfig, TlsOptions } from './types.js';

const redisFields = {
  host: z
    .union([hostName, addressList('Redis node')], {
      error: "expected a host name, or a list of nodes as 'host:port'",
    })
    .optional(),
  port: port.optional(),
  sentinelAddresses: addressList('sentinel').optional(),
  masterName: nonEmptyString('the name the sentinels monitor the master under').optional(),
  sentinelUsername: nonEmptyString("the sentinels' ACL user").optional(),
  sentinelPassword: nonEmptyString('omit it when the sentinels have no password').optional(),
  client: z
    .enum(['ioredis', 'node-redis'], { error: 'expected "ioredis" or "node-redis"' })
    .default(DEFAULT_REDIS.client),
  groupName: groupName.optional(),
  password: nonEmptyString('omit it when there is no password').optional(),
  username: nonEmptyString('omit it for the default user').optional(),
  tls: z
    .union([z.boolean(), z.looseObject({})], {
      error: "expected true, false, or Node's TLS options object",
    })
    .optional(),
  timeout: integer({ min: 1, unit: 'milliseconds' }).optional(),
  clusterNodeTimeout: integer({ min: 1, unit: 'milliseconds' }).optional(),
  db: integer({ min: 0 }).default(DEFAULT_REDIS.db),
};

/** The keys of the `redis` section, for "did you mean" hints. */
export const REDIS_KEYS = Object.keys(redisFields);

/** The `redis` section once each field is checked, before the shape rules. */
export type RedisFields = z.output<z.ZodObject<typeof redisFields>>;

/**
 * The `redis` section: field checks, then the rules that tie fields together (which
 * deployment the shape asks for, and what does not fit it), then the typed config.
 */
export function redisSchema(options: { requireGroup: boolean }) {
  return z
    .strictObject(redisFields, { error: 'expected an object of Redis settings' })
    .superRefine((redis, ctx) => {
      if (options.requireGroup && redis.groupName === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['groupName'],
          message:
            'expected the consumer group name: nodes with the same groupName share work and offsets',
          input: undefined,
        });
      }
      for (const issue of shapeIssues(redis)) ctx.addIssue({ code: 'custom', ...issue });
    })
    .transform(toRedisConfig);
}

function toRedisConfig(redis: RedisFields): RedisConfig {
  const common = {
    client: redis.client,
    ...(redis.timeout === undefined ? {} : { timeout: redis.timeout }),
    db: redis.db,
    ...(redis.groupName === undefined ? {} : { groupName: redis.groupName }),
    ...(redis.password === undefined ? {} : { password: redis.password }),
    ...(redis.username === undefined ? {} : { username: redis.username }),
    ...tlsOption(redis.tls),
  };
  if (redis.sentinelAddresses !== undefined && redis.masterName !== undefined) {
    return {
      topology: 'sentinel',
      ...common,
      sentinels: redis.sentinelAddresses,
      masterName: redis.masterName,
      ...(redis.sentinelUsername === undefined ? {} : { sentinelUsername: redis.sentinelUsername }),
      ...(redis.sentinelPassword === undefined ? {} : { sentinelPassword: redis.sentinelPassword }),
    };
  }
  if (Array.isArray(redis.host)) {
    const [only, ...rest] = redis.host;
    if (only !== undefined && rest.length === 0) {
      return { topology: 'single', ...common, host: only.host, port: only.port };
    }
    return {
      topology: 'cluster',
      ...common,
      nodes: redis.host,
      ...(redis.clusterNodeTimeout === undefined
        ? {}
        : { clusterNodeTimeout: redis.clusterNodeTimeout }),
    };
  }
  return {
    topology: 'single',
    ...common,
    host: redis.host ?? DEFAULT_REDIS.host,
    port: redis.port ?? DEFAULT_REDIS.port,
  };
}

function tlsOption(tls: boolean | Record<string, unknown> | undefined): { tls?: TlsOptions } {
  if (tls === undefined || tls === false) return {};
  return { tls: tls === true ? {} : (tls as TlsOptions) };
}
