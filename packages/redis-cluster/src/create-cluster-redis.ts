import {
  type ClientAdapterOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  IoredisAdapter,
  type Logger,
  reconnectDelay,
  redactingLogger,
  secretsOf,
  silentLogger,
} from '@kf/ioredis-shared';
import type { IRedis, WaitOptions } from '@kf/protocol';
import { Cluster } from 'ioredis';
import { DEFAULT_NODE_TIMEOUT_MS, failoverSettings } from './failover-settings.js';
import type { ClusterRedisOptions } from './options.js';
import { slotMasterConnection } from './slot-master.js';

/**
 * `IRedis` on an ioredis `Cluster`.
 *
 * Given options, the adapter opens and owns its connections, with retries sized to
 * ride a master fail-over through. Given a `Cluster` client, it sends commands on it
 * and leaves it open on `close()`; only the duplicates it made for blocking commands
 * are closed.
 */
export function createClusterRedis(options: ClusterRedisOptions): IRedis;
export function createClusterRedis(client: Cluster, options?: ClientAdapterOptions): IRedis;
export function createClusterRedis(
  target: ClusterRedisOptions | Cluster,
  clientOptions: ClientAdapterOptions = {},
): IRedis {
  if (isClusterClient(target)) return adapterOn(target, false, clientOptions.logger);
  if ((target as { sendCommand?: unknown }).sendCommand !== undefined) {
    throw new TypeError(
      'createClusterRedis got an ioredis Redis client: use createSingleRedis from @kf/redis-single',
    );
  }
  return adapterOn(newCluster(target), true, target.logger);
}

function newCluster(options: ClusterRedisOptions): Cluster {
  const failover = failoverSettings(
    options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS,
    options.commandTimeoutMs,
  );
  return new Cluster(options.nodes, {
    retryDelayOnFailover: failover.retryDelayOnFailover,
    retryDelayOnClusterDown: failover.retryDelayOnClusterDown,
    retryDelayOnTryAgain: failover.retryDelayOnTryAgain,
    maxRedirections: failover.maxRedirections,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: {
      username: options.username,
      password: options.password,
      tls: options.tls,
      commandTimeout: failover.commandTimeoutMs,
      // Cluster retries are counted by maxRedirections; a node connection's own
      // retry count would cut them short.
      maxRetriesPerRequest: null,
    },
  });
}

function adapterOn(cluster: Cluster, ownsClient: boolean, logger: Logger | undefined): IRedis {
  const redisOptions = cluster.options.redisOptions ?? {};
  const secrets = secretsOf(redisOptions.password);
  return new IoredisAdapter({
    topology: 'cluster',
    client: cluster,
    ownsClient,
    // A whole Cluster client per blocking connection: it follows MOVED and fail-overs
    // like the main one, and connects only to the nodes it sends to.
    openBlockingConnection: () => cluster.duplicate(),
    waitConnection: (options: WaitOptions) => waitConnection(cluster, options),
    commandTimeoutMs: redisOptions.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
    logger: redactingLogger(logger ?? silentLogger, secrets),
    secrets,
  });
}

function waitConnection(cluster: Cluster, options: WaitOptions) {
  if (options.key === undefined) {
    throw new TypeError('wait() on a Redis Cluster needs options.key: WAIT goes to its master');
  }
  return slotMasterConnection(cluster, options.key);
}

/** Duck-typed: `instanceof` fails across two copies of ioredis in one tree. */
function isClusterClient(target: unknown): target is Cluster {
  return (target as { isCluster?: unknown }).isCluster === true;
}
