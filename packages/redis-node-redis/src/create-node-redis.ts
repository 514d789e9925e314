import { ConfigError, type IRedis, redact, redactingLogger, silentLogger } from '@kf/protocol';
import { buildClient, buildCluster, buildSentinel } from './build-driver.js';
import { ClusterDeployment } from './cluster-deployment.js';
import type { Deployment } from './deployment.js';
import { type DetectedDriver, detectDriver } from './detect-driver.js';
import type { LifecycleOptions } from './driver-lifecycle.js';
import type { NodeRedisDriver, NodeRedisSentinel } from './driver-types.js';
import { NodeRedisAdapter } from './node-redis-adapter.js';
import {
  type AdapterOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_MAX_IDLE_BLOCKING_CONNECTIONS,
  type NodeRedisOptions,
} from './options.js';
import { secretsOfDriver, secretsOfOptions } from './secrets.js';
import { SentinelDeployment } from './sentinel-deployment.js';
import { SingleDeployment } from './single-deployment.js';
import { validateAdapterOptions, validateOptions } from './validate-options.js';

/**
 * `IRedis` on node-redis (5 or 6), for one server, a Redis Cluster or a master behind
 * Redis Sentinel.
 *
 * Given options, the adapter makes its node-redis object, connects it at once (commands
 * wait for it within their timeout) and closes it on `close()`. Given a node-redis
 * client, cluster or Sentinel object the caller made, it uses that one (connecting it
 * if it is not open yet) and leaves it open on `close()`, closing only the dedicated
 * connections it opened itself for blocking moves.
 */
export function createNodeRedis(options: NodeRedisOptions): IRedis;
export function createNodeRedis(driver: NodeRedisDriver, adapterOptions?: AdapterOptions): IRedis;
export function createNodeRedis(
  source: NodeRedisOptions | NodeRedisDriver,
  adapterOptions: AdapterOptions = {},
): IRedis {
  if (typeof source !== 'object' || source === null) {
    throw new ConfigError([
      { path: '(root)', message: 'expected node-redis options or a node-redis client' },
    ]);
  }
  const detected = detectDriver(source);
  if (detected) {
    validateAdapterOptions(adapterOptions);
    return adapt(detected, false, adapterOptions, secretsOfDriver(detected.driver));
  }
  if (typeof (source as { sendCommand?: unknown }).sendCommand === 'function') {
    throw new ConfigError([
      {
        path: '(root)',
        message:
          'expected a client, cluster or Sentinel object as createClient, createCluster or createSentinel make (a client pool is not one), or options',
      },
    ]);
  }
  const options = source as NodeRedisOptions;
  validateOptions(options);
  const secrets = secretsOfOptions(options);
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const built = build(options, secrets, timeoutMs);
  // Each dedicated connection gets a Sentinel client of its own, made like the first.
  const openSentinel =
    options.topology === 'sentinel' ? () => buildSentinel(options, timeoutMs) : undefined;
  return adapt(built, true, options, secrets, openSentinel);
}

/**
 * How to make another Sentinel client like a caller's, for a dedicated connection:
 * `duplicate()`, which node-redis 5's Sentinel client lacks; there only options serve.
 */
function duplicatorOf(sentinel: NodeRedisSentinel): () => NodeRedisSentinel {
  const duplicate = sentinel.duplicate?.bind(sentinel);
  if (!duplicate) {
    throw new ConfigError([
      {
        path: '(root)',
        message:
          'this node-redis Sentinel client has no duplicate() (node-redis 5), and blocking moves need Sentinel clients of their own: pass createNodeRedis the Sentinel options instead (or use node-redis 6)',
      },
    ]);
  }
  return () => duplicate();
}

/** Makes the node-redis object the options describe. */
function build(
  options: NodeRedisOptions,
  secrets: readonly string[],
  timeoutMs: number,
): DetectedDriver {
  try {
    switch (options.topology) {
      case 'cluster':
        return { topology: 'cluster', driver: buildCluster(options, timeoutMs) };
      case 'sentinel':
        return { topology: 'sentinel', driver: buildSentinel(options, timeoutMs) };
      default:
        return { topology: 'single', driver: buildClient(options, timeoutMs) };
    }
  } catch (error) {
    // node-redis rejects a malformed `url` with an error quoting it, credentials and all.
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
    throw new ConfigError([
      { path: options.topology === 'single' || !options.topology ? 'url' : '(root)', message },
    ]);
  }
}

function adapt(
  detected: DetectedDriver,
  owned: boolean,
  options: AdapterOptions,
  secrets: string[],
  openSentinel?: () => NodeRedisSentinel,
): IRedis {
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const logger = redactingLogger(options.logger ?? silentLogger, secrets);
  const lifecycle: LifecycleOptions = {
    owned,
    what: WHAT[detected.topology],
    logger,
    secrets,
    closeTimeoutMs: commandTimeoutMs,
  };
  return new NodeRedisAdapter(deployment(detected, lifecycle, openSentinel), {
    commandTimeoutMs,
    maxIdleBlockingConnections:
      options.maxIdleBlockingConnections ?? DEFAULT_MAX_IDLE_BLOCKING_CONNECTIONS,
    logger,
    secrets,
  });
}

const WHAT = { single: 'Redis', cluster: 'Redis Cluster', sentinel: 'Redis Sentinel' } as const;

function deployment(
  detected: DetectedDriver,
  lifecycle: LifecycleOptions,
  openSentinel: (() => NodeRedisSentinel) | undefined,
): Deployment {
  switch (detected.topology) {
    case 'cluster':
      return new ClusterDeployment(detected.driver, lifecycle);
    case 'sentinel':
      return new SentinelDeployment(
        detected.driver,
        lifecycle,
        openSentinel ?? duplicatorOf(detected.driver),
      );
    case 'single':
      return new SingleDeployment(detected.driver, lifecycle);
  }
}
