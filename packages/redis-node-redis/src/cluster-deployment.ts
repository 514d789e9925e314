import { ClusterRedirectError } from '@kf/protocol';
import { refreshTopologyWhileReconnecting } from './cluster-topology-refresh.js';
import { dedicatedConnection } from './dedicated-connection.js';
import type { DedicatedConnection, Deployment } from './deployment.js';
import { DriverLifecycle, type LifecycleOptions } from './driver-lifecycle.js';
import type { DriverCommandOptions, NodeRedisCluster } from './driver-types.js';
import { keySlot } from './key-slot.js';

/**
 * A Redis Cluster through a node-redis cluster client: commands are routed by their
 * first key; dedicated connections are duplicates of the cluster client that connect
 * only to the node a blocking command goes to.
 */
export class ClusterDeployment implements Deployment {
  readonly topology = 'cluster' as const;
  readonly lifecycle: DriverLifecycle;
  readonly #stopRefresh: () => void;

  constructor(
    readonly cluster: NodeRedisCluster,
    readonly options: LifecycleOptions,
  ) {
    this.lifecycle = new DriverLifecycle(cluster, options);
    this.#stopRefresh = refreshTopologyWhileReconnecting(cluster, options.logger, options.secrets);
  }

  get ready(): Promise<void> {
    return this.lifecycle.ready;
  }

  send(args: string[], key: string | undefined, options: DriverCommandOptions) {
    return this.cluster.sendCommand(key, false, args, options);
  }

  async sendWait(args: string[], key: string | undefined, options: DriverCommandOptions) {
    // WAIT counts the writes of the connection it is sent on, so it must go to the
    // master connection that carried them: the one owning the key's slot. Without a key
    // the driver picks (node-redis 6 asks every master and keeps the lowest count).
    if (key === undefined) return this.cluster.sendCommand(undefined, false, args, options);
    const slot = keySlot(key);
    const master = this.cluster.getSlotMaster(slot);
    if (!master) throw new ClusterRedirectError(`WAIT (slot ${slot} has no master)`);
    const client = await this.cluster.nodeClient(master);
    return client.sendCommand(args, options);
  }

  openDedicated(): DedicatedConnection {
    // `minimizeConnections`: discover the topology, then connect only where commands go.
    const cluster = this.cluster.duplicate({ minimizeConnections: true });
    const stopRefresh = refreshTopologyWhileReconnecting(
      cluster,
      this.options.logger,
      this.options.secrets,
    );
    return dedicatedConnection(
      cluster,
      this.options,
      (driver, args, key, options) => driver.sendCommand(key, false, args, options),
      stopRefresh,
    );
  }

  close(): Promise<void> {
    this.#stopRefresh();
    return this.lifecycle.close();
  }
}
