import { dedicatedConnection } from './dedicated-connection.js';
import type { DedicatedConnection, Deployment } from './deployment.js';
import { DriverLifecycle, type LifecycleOptions } from './driver-lifecycle.js';
import type { DriverCommandOptions, NodeRedisClient } from './driver-types.js';

/** One server through a node-redis client; dedicated connections are its duplicates. */
export class SingleDeployment implements Deployment {
  readonly topology = 'single' as const;
  readonly lifecycle: DriverLifecycle;

  constructor(
    readonly client: NodeRedisClient,
    readonly options: LifecycleOptions,
  ) {
    this.lifecycle = new DriverLifecycle(client, options);
  }

  get ready(): Promise<void> {
    return this.lifecycle.ready;
  }

  send(args: string[], _key: string | undefined, options: DriverCommandOptions) {
    return this.client.sendCommand(args, options);
  }

  sendWait(args: string[], _key: string | undefined, options: DriverCommandOptions) {
    return this.client.sendCommand(args, options);
  }

  openDedicated(): DedicatedConnection {
    // A duplicate carries the original's options: address, credentials, TLS, RESP.
    return dedicatedConnection(
      this.client.duplicate(),
      this.options,
      (client, args, _key, options) => client.sendCommand(args, options),
    );
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }
}
