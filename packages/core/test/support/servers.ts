import { randomUUID } from 'node:crypto';
import {
  type RedisCluster,
  type RedisSingle,
  startRedisCluster,
  startRedisSingle,
} from '@kf/devstack';
import type { IRedis } from '@kf/protocol';
import { Cluster, Redis } from 'ioredis';
import { createRedis, type RedisClientName, type RedisConfigInput } from '../../src/index.js';

/** A real Redis from the devstack, with the config that reaches it and a probe client. */
export interface Server {
  readonly kind: 'single' | 'cluster';
  readonly redisConf: RedisConfigInput;
  /** A plain ioredis client, to check state without going through the code under test. */
  readonly probe: Redis | Cluster;
  stop(): Promise<void>;
}

export async function startServer(kind: 'single' | 'cluster'): Promise<Server> {
  const handle: RedisSingle | RedisCluster =
    kind === 'single'
      ? await startRedisSingle()
      : await startRedisCluster({ nodeTimeoutMs: 1_000 });
  const redisConf: RedisConfigInput =
    kind === 'single'
      ? { host: (handle as RedisSingle).info.host, port: (handle as RedisSingle).info.port }
      : {
          host: (handle as RedisCluster).info.nodes.map((n) => `${n.host}:${n.port}`),
          clusterNodeTimeout: 1_000,
        };
  const probe =
    kind === 'single'
      ? new Redis({ ...(redisConf as { host: string; port: number }), lazyConnect: true })
      : new Cluster((handle as RedisCluster).info.nodes.slice(0, 1), { lazyConnect: true });
  await probe.connect();
  return {
    kind,
    redisConf,
    probe,
    async stop() {
      try {
        await probe.quit();
      } finally {
        await handle.stop();
      }
    },
  };
}

/** A group name of its own for each test, so no test sees another's keys. */
export function freshGroup(): string {
  return `test-${randomUUID()}`;
}

/** The servers and drivers the coordination helpers are proven on. */
export const SETUPS = [
  { kind: 'single', client: 'ioredis' },
  { kind: 'cluster', client: 'ioredis' },
  { kind: 'single', client: 'node-redis' },
] as const;

/**
 * Connects through the code under test: `createRedis` picking the adapter from the
 * config (node-redis has no use for the ioredis cluster adapter's `clusterNodeTimeout`).
 */
export function connect(server: Server, client: RedisClientName = 'ioredis'): Promise<IRedis> {
  if (client === 'ioredis') return createRedis(server.redisConf);
  const { clusterNodeTimeout: _, ...where } = server.redisConf;
  return createRedis({ ...where, client });
}
