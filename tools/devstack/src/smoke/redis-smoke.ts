import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { RedisClusterInfo } from '../redis/cluster.js';
import { type HostPort, parseInfo, withRedis } from '../redis/probe.js';
import type { RedisSentinelInfo } from '../redis/sentinel.js';
import type { RedisSingleInfo } from '../redis/single.js';

export interface SingleSmoke {
  written: string;
  read: string | null;
}

/** SET then GET on the single server. */
export async function smokeSingle(info: RedisSingleInfo): Promise<SingleSmoke> {
  const key = `kf-smoke:${randomUUID()}`;
  const written = randomUUID();
  return withRedis(info, async (client) => {
    await client.set(key, written, 'PX', 60_000);
    return { written, read: await client.get(key) };
  });
}

export interface ClusterSmoke {
  clusterState: string | undefined;
  keysWritten: number;
  /** Keys found on each master by a direct connection, by master port. */
  keysPerMaster: Record<number, number>;
  /** Keys whose slot, by `CLUSTER KEYSLOT`, is outside the ranges of the master holding them. */
  misplacedKeys: number;
}

/**
 * Writes keys through a cluster client, then looks for them on each master directly:
 * proves the slots are spread over all three masters and routing works.
 */
export async function smokeCluster(info: RedisClusterInfo, keys = 30): Promise<ClusterSmoke> {
  const prefix = `kf-smoke:${randomUUID()}`;
  const cluster = new Cluster(
    info.nodes.map(({ host, port }) => ({ host, port })),
    { redisOptions: { password: info.password } },
  );
  try {
    for (let i = 0; i < keys; i++) await cluster.set(`${prefix}:${i}`, String(i), 'PX', 60_000);
  } finally {
    await cluster.quit();
  }
  const keysPerMaster: Record<number, number> = {};
  let misplacedKeys = 0;
  let clusterState: string | undefined;
  for (const master of info.nodes.filter((n) => n.role === 'master')) {
    await withRedis({ ...master, password: info.password }, async (client) => {
      clusterState = parseInfo(String(await client.call('CLUSTER', 'INFO'))).cluster_state;
      const found = await client.keys(`${prefix}:*`);
      keysPerMaster[master.port] = found.length;
      for (const key of found) {
        const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
        if (!master.slots.some(([start, end]) => slot >= start && slot <= end)) misplacedKeys++;
      }
    });
  }
  return { clusterState, keysWritten: keys, keysPerMaster, misplacedKeys };
}

export interface SentinelSmoke {
  reportedMaster: HostPort;
  written: string;
  readFromMaster: string | null;
  replicasAcknowledged: number;
  readFromReplica: string | null;
}

/**
 * Writes through a Sentinel-aware client, then reads the key back from the master the
 * sentinels report and, after `WAIT`, from the replica.
 */
export async function smokeSentinel(info: RedisSentinelInfo): Promise<SentinelSmoke> {
  const key = `kf-smoke:${randomUUID()}`;
  const written = randomUUID();
  const client = new Redis({
    sentinels: info.sentinels,
    name: info.masterName,
    password: info.password,
  });
  let replicasAcknowledged: number;
  try {
    await client.set(key, written, 'PX', 60_000);
    replicasAcknowledged = Number(await client.call('WAIT', '1', '5000'));
  } finally {
    await client.quit();
  }
  const [host, port] = await withRedis(info.sentinels[0] as HostPort, async (sentinel) => {
    return (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', info.masterName)) as [
      string,
      string,
    ];
  });
  const reportedMaster = { host, port: Number(port) };
  const auth = { password: info.password };
  const readFromMaster = await withRedis(reportedMaster, (c) => c.get(key), auth);
  const replica = reportedMaster.port === info.master.port ? info.replica : info.master;
  const readFromReplica = await withRedis(replica, (c) => c.get(key), auth);
  return { reportedMaster, written, readFromMaster, replicasAcknowledged, readFromReplica };
}
