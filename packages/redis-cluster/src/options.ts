import type { CommonRedisOptions } from '@kf/ioredis-shared';

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ClusterRedisOptions extends CommonRedisOptions {
  /** Some of the cluster's nodes (any role); the client discovers the rest. */
  nodes: ClusterNodeAddress[];
  /**
   * The cluster's `cluster-node-timeout` (Redis's default: 15 000 ms). A master's
   * fail-over takes about this long plus an election, and the client's retry budget
   * is sized from it so commands ride a fail-over through instead of failing.
   */
  nodeTimeoutMs?: number;
  /**
   * How long a command may wait for its reply, retries through a fail-over included.
   * Default: the fail-over budget (twice `nodeTimeoutMs` plus 2 s), at least 10 000 ms.
   */
  commandTimeoutMs?: number;
}
