import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Logger } from '@kf/protocol';

/** How long a command may go unanswered, a wait for a reconnection included. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** How many idle dedicated connections (for blocking moves) are kept for reuse. */
export const DEFAULT_MAX_IDLE_BLOCKING_CONNECTIONS = 4;

export interface HostAndPort {
  host: string;
  port: number;
}

/** What the adapter itself does, whoever made the node-redis object. */
export interface AdapterOptions {
  /**
   * How long a command may wait for its reply, a reconnection or a fail-over
   * included, before it fails with `CommandTimeoutError`. Default 10 000 ms.
   */
  commandTimeoutMs?: number;
  /** pino-shaped logger for connection trouble; silent when omitted. */
  logger?: Logger;
  /**
   * How many idle dedicated connections for `listBlockingMove` are kept open for the
   * next call; more are closed as they come free. Default 4.
   */
  maxIdleBlockingConnections?: number;
}

/** Credentials and transport, the same for every server the adapter connects to. */
export interface SecurityOptions {
  /** ACL user (Redis 6+); the `default` user when omitted. */
  username?: string;
  password?: string;
  /**
   * TLS (`ca`, `cert`, `key`, `servername`, …); plain TCP when omitted. `true` uses
   * Node's defaults (the system's CAs).
   */
  tls?: TlsOptions | true;
  /** Every connection's name (`CLIENT SETNAME`), to tell kf's connections apart in `CLIENT LIST`. */
  clientName?: string;
}

/** One Redis server. */
export interface NodeRedisSingleOptions extends AdapterOptions, SecurityOptions {
  topology?: 'single';
  /**
   * `redis[s]://[[username][:password]@]host[:port][/db]`. Credentials written here
   * are masked in every message and log line, like `password`.
   */
  url?: string;
  /** Default `127.0.0.1` (ignored when `url` is given). */
  host?: string;
  /** Default 6379 (ignored when `url` is given). */
  port?: number;
  /** Database index, default 0. */
  db?: number;
}

/** A Redis Cluster, found from some of its nodes. */
export interface NodeRedisClusterOptions extends AdapterOptions, SecurityOptions {
  topology: 'cluster';
  /** Some of the cluster's nodes (any role); the client discovers the rest. */
  nodes: HostAndPort[];
}

/** A master found through Redis Sentinel, followed across fail-overs. */
export interface NodeRedisSentinelOptions extends AdapterOptions, SecurityOptions {
  topology: 'sentinel';
  sentinels: HostAndPort[];
  /** The master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  /** Credentials of the sentinels themselves, when they require them. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  db?: number;
}

export type NodeRedisOptions =
  | NodeRedisSingleOptions
  | NodeRedisClusterOptions
  | NodeRedisSentinelOptions;
