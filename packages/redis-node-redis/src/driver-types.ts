/**
 * The parts of node-redis (v5 and v6) the adapter relies on, typed structurally so a
 * client made by either major version, with any modules, RESP version or type mapping,
 * is accepted without casts.
 */

/** Per-command options node-redis takes with `sendCommand`. */
export interface DriverCommandOptions {
  abortSignal?: AbortSignal;
  // biome-ignore lint/suspicious/noExplicitAny: node-redis keys its type mapping by RESP type codes.
  typeMapping?: any;
}

interface DriverEvents {
  // biome-ignore lint/suspicious/noExplicitAny: node-redis events carry various arguments.
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: node-redis events carry various arguments.
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** A node-redis client (`createClient`): one connection to one server. */
export interface NodeRedisClient extends DriverEvents {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: DriverCommandOptions): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: overrides are node-redis client options.
  duplicate(overrides?: any): NodeRedisClient;
  close(): Promise<void>;
  destroy(): void;
}

/** A node-redis cluster client (`createCluster`). */
export interface NodeRedisCluster extends DriverEvents {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: DriverCommandOptions,
  ): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: overrides are node-redis cluster options.
  duplicate(overrides?: any): NodeRedisCluster;
  // biome-ignore lint/suspicious/noExplicitAny: a shard node, handed back to `nodeClient`.
  getSlotMaster(slot: number): any;
  // biome-ignore lint/suspicious/noExplicitAny: the shard node from `getSlotMaster`.
  nodeClient(node: any): Promise<NodeRedisClient> | NodeRedisClient;
  close(): Promise<void>;
  destroy(): void;
}

/** A node-redis Sentinel client (`createSentinel`). */
export interface NodeRedisSentinel extends DriverEvents {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  sendCommand(
    isReadonly: boolean | undefined,
    args: string[],
    options?: DriverCommandOptions,
  ): Promise<unknown>;
  /** node-redis 6 only. */
  // biome-ignore lint/suspicious/noExplicitAny: overrides are node-redis Sentinel options.
  duplicate?(overrides?: any): NodeRedisSentinel;
  acquire(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): Promise<void> | void;
}

/** Any node-redis object the adapter can wrap. */
export type NodeRedisDriver = NodeRedisClient | NodeRedisCluster | NodeRedisSentinel;
