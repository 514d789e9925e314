import { dedicatedConnection } from './dedicated-connection.js';
import type { DedicatedConnection, Deployment } from './deployment.js';
import { DriverLifecycle, type LifecycleOptions } from './driver-lifecycle.js';
import type { DriverCommandOptions, NodeRedisSentinel } from './driver-types.js';

/**
 * A master found through Redis Sentinel, via a node-redis Sentinel client that follows
 * fail-overs; each dedicated connection is a Sentinel client of its own, following them
 * on its own too (a lease from the shared client's master pool would hold up every
 * other command while blocked).
 */
export class SentinelDeployment implements Deployment {
  readonly topology = 'sentinel' as const;
  readonly lifecycle: DriverLifecycle;

  /**
   * @param openDedicatedDriver makes a new Sentinel client like `sentinel`, for one
   *   dedicated connection: from the adapter's options, or `duplicate()` (node-redis 6).
   */
  constructor(
    readonly sentinel: NodeRedisSentinel,
    readonly options: LifecycleOptions,
    private readonly openDedicatedDriver: () => NodeRedisSentinel,
  ) {
    this.lifecycle = new DriverLifecycle(sentinel, options);
  }

  get ready(): Promise<void> {
    return this.lifecycle.ready;
  }

  send(args: string[], _key: string | undefined, options: DriverCommandOptions) {
    return this.sentinel.sendCommand(false, args, options);
  }

  sendWait(args: string[], _key: string | undefined, options: DriverCommandOptions) {
    return this.sentinel.sendCommand(false, args, options);
  }

  openDedicated(): DedicatedConnection {
    return dedicatedConnection(
      this.openDedicatedDriver(),
      this.options,
      (sentinel, args, _key, options) => sentinel.sendCommand(false, args, options),
    );
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }
}
