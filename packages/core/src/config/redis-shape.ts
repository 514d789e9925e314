import type { RedisFields } from './redis-schema.js';

export interface ShapeIssue {
  path: PropertyKey[];
  message: string;
  /** The value at `path`, `undefined` when the field is missing. */
  input: unknown;
}

/**
 * The rules that tie the `redis` fields together: which deployment the shape asks for,
 * and which fields do not fit it. Paths are relative to the section.
 */
export function shapeIssues(redis: RedisFields): ShapeIssue[] {
  const sentinel = redis.sentinelAddresses !== undefined || redis.masterName !== undefined;
  const cluster = !sentinel && Array.isArray(redis.host) && redis.host.length > 1;
  return [
    ...(sentinel ? sentinelIssues(redis) : notSentinelIssues(redis)),
    ...(cluster ? clusterIssues(redis) : notClusterIssues(redis)),
  ];
}

/** Sentinel needs both of its fields, and finds the master itself. */
function sentinelIssues(redis: RedisFields): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  if (redis.sentinelAddresses === undefined) {
    issues.push({
      path: ['sentinelAddresses'],
      message: "expected the sentinels as 'host:port' alongside masterName",
      input: undefined,
    });
  }
  if (redis.masterName === undefined) {
    issues.push({
      path: ['masterName'],
      message: 'expected the master name the sentinels monitor, alongside sentinelAddresses',
      input: undefined,
    });
  }
  for (const field of ['host', 'port'] as const) {
    if (redis[field] !== undefined) {
      issues.push({
        path: [field],
        message: `expected no ${field} with Sentinel: the sentinels tell where the master is`,
        input: redis[field],
      });
    }
  }
  return issues;
}

function notSentinelIssues(redis: RedisFields): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  for (const field of ['sentinelUsername', 'sentinelPassword'] as const) {
    if (redis[field] !== undefined) {
      issues.push({
        path: [field],
        message: 'expected only with sentinelAddresses and masterName',
        input: redis[field],
      });
    }
  }
  if (Array.isArray(redis.host) && redis.port !== undefined) {
    issues.push({
      path: ['port'],
      message: "expected no port with a host list: write each node as 'host:port'",
      input: redis.port,
    });
  }
  return issues;
}

function clusterIssues(redis: RedisFields): ShapeIssue[] {
  const issues: ShapeIssue[] = [];
  if (redis.db !== 0) {
    issues.push({
      path: ['db'],
      message: 'expected 0: Redis Cluster has only database 0',
      input: redis.db,
    });
  }
  if (redis.client === 'node-redis' && redis.clusterNodeTimeout !== undefined) {
    issues.push({
      path: ['clusterNodeTimeout'],
      message: "expected only with client 'ioredis': the node-redis adapter does not use it",
      input: redis.clusterNodeTimeout,
    });
  }
  return issues;
}

function notClusterIssues(redis: RedisFields): ShapeIssue[] {
  if (redis.clusterNodeTimeout === undefined) return [];
  return [
    {
      path: ['clusterNodeTimeout'],
      message: "expected only with a Redis Cluster (host: ['h1:p1', 'h2:p2', ...])",
      input: redis.clusterNodeTimeout,
    },
  ];
}
