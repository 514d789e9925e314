import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { createClient, createCluster, createSentinel } from 'redis';
import type { NodeRedisClient, NodeRedisCluster, NodeRedisSentinel } from './driver-types.js';
import type {
  NodeRedisClusterOptions,
  NodeRedisSentinelOptions,
  NodeRedisSingleOptions,
  SecurityOptions,
} from './options.js';
import { reconnectStrategy } from './reconnect-strategy.js';

/** node-redis's `socket` options for one connection: TLS when asked, and our reconnection. */
function socketOptions(tls: SecurityOptions['tls'], connectTimeoutMs: number) {
  const common = { reconnectStrategy, connectTimeout: connectTimeoutMs };
  if (tls === undefined) return common;
  return { ...common, ...(tls === true ? {} : (tls as TlsOptions)), tls: true as const };
}

function credentials(username: string | undefined, password: string | undefined) {
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

function named(clientName: string | undefined) {
  return clientName === undefined ? {} : { name: clientName };
}

/** How long one connection attempt may take; retries follow on failure. */
function connectTimeout(commandTimeoutMs: number): number {
  return Math.min(commandTimeoutMs, 5_000);
}

export function buildClient(options: NodeRedisSingleOptions, commandTimeoutMs: number) {
  const socket = socketOptions(options.tls, connectTimeout(commandTimeoutMs));
  const client = createClient({
    ...(options.url === undefined
      ? {
          socket: {
            ...socket,
            host: options.host ?? '127.0.0.1',
            port: options.port ?? 6379,
          },
        }
      : { url: options.url, socket }),
    ...credentials(options.username, options.password),
    ...named(options.clientName),
    ...(options.db === undefined ? {} : { database: options.db }),
  });
  return client as unknown as NodeRedisClient;
}

export function buildCluster(options: NodeRedisClusterOptions, commandTimeoutMs: number) {
  const socket = socketOptions(options.tls, connectTimeout(commandTimeoutMs));
  const security = {
    ...credentials(options.username, options.password),
    ...named(options.clientName),
  };
  const cluster = createCluster({
    // Root nodes only serve discovery; the connections to the nodes found are made from
    // `defaults`, so credentials and TLS go in both.
    rootNodes: options.nodes.map(({ host, port }) => ({
      socket: { ...socket, host, port },
      ...security,
    })),
    defaults: { socket, ...security },
    // A killed master's slots move to its replica within the cluster's node timeout
    // plus an election; rediscovering one second after a node stops answering (rather
    // than node-redis 6's default five) finds the new master soon after.
    topologyRefreshOnReconnectionAttemptStrategy: 1_000,
  });
  return cluster as unknown as NodeRedisCluster;
}

export function buildSentinel(options: NodeRedisSentinelOptions, commandTimeoutMs: number) {
  const socket = socketOptions(options.tls, connectTimeout(commandTimeoutMs));
  const sentinel = createSentinel({
    name: options.name,
    sentinelRootNodes: options.sentinels.map(({ host, port }) => ({ host, port })),
    nodeClientOptions: {
      socket,
      ...credentials(options.username, options.password),
      ...named(options.clientName),
      ...(options.db === undefined ? {} : { database: options.db }),
    },
    // Errors of the clients inside (a refused login among them) reach the adapter's
    // listener, which logs them and stops a start that cannot succeed.
    passthroughClientErrorEvents: true,
    sentinelClientOptions: {
      socket,
      ...credentials(options.sentinelUsername, options.sentinelPassword),
    },
  });
  return sentinel as unknown as NodeRedisSentinel;
}
