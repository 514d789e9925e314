import { ConnectionClosedError } from '@kf/protocol';
import { type Cluster, Command, type Redis } from 'ioredis';

/**
 * The cluster client's own connection to the master serving `key`'s slot. WAIT
 * counts what the connection it runs on wrote, so it must go on the very connection
 * the cluster client sent the writes through, not on a new one to the same node.
 */
export function slotMasterConnection(cluster: Cluster, key: string): Redis {
  // ioredis hashes keys to slots when routing; a throwaway Command reuses that.
  const slot = new Command('exists', [key]).getSlot();
  const owner = cluster.slots[slot]?.[0];
  const master = cluster
    .nodes('master')
    .find((node) => `${node.options.host}:${node.options.port}` === owner);
  if (!master) {
    throw new ConnectionClosedError(
      `no connection to the master of slot ${slot} (${owner ?? 'no owner known'}) for WAIT`,
    );
  }
  return master;
}
