import { type ClusterNodeInfo, type ProbeCredentials, readTopology, withRedis } from '@kf/devstack';

/** The master serving `key`'s slot now, read from the cluster by a plain connection. */
export async function masterOf(
  seed: { host: string; port: number } & ProbeCredentials,
  key: string,
): Promise<{ master: ClusterNodeInfo; slot: number }> {
  const slot = Number(await withRedis(seed, (c) => c.call('CLUSTER', 'KEYSLOT', key)));
  const master = (await readTopology(seed)).find(
    (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!master) throw new Error(`no master owns slot ${slot}`);
  return { master, slot };
}
