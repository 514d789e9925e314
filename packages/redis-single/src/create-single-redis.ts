import {
  type ClientAdapterOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  IoredisAdapter,
  type Logger,
  redactingLogger,
  secretsOf,
  silentLogger,
} from '@kf/ioredis-shared';
import type { IRedis } from '@kf/protocol';
import { Redis } from 'ioredis';
import { toIoredisOptions } from './ioredis-options.js';
import type { SingleRedisOptions } from './options.js';

/**
 * `IRedis` on ioredis, for one server or a Sentinel-managed master.
 *
 * Given options, the adapter opens and owns its connections. Given an ioredis `Redis`
 * client, it sends commands on it and leaves it open on `close()`; only the dedicated
 * connections it duplicated from it (for blocking commands) are closed.
 */
export function createSingleRedis(options: SingleRedisOptions): IRedis;
export function createSingleRedis(client: Redis, options?: ClientAdapterOptions): IRedis;
export function createSingleRedis(
  target: SingleRedisOptions | Redis,
  clientOptions: ClientAdapterOptions = {},
): IRedis {
  if (!isIoredisClient(target)) {
    return adapterOn(new Redis(toIoredisOptions(target)), true, target.logger);
  }
  if ((target as { isCluster?: boolean }).isCluster) {
    throw new TypeError(
      'createSingleRedis got an ioredis Cluster: use createClusterRedis from @kf/redis-cluster',
    );
  }
  return adapterOn(target, false, clientOptions.logger);
}

function adapterOn(client: Redis, ownsClient: boolean, logger: Logger | undefined): IRedis {
  const { options } = client;
  const secrets = secretsOf(options.password, options.sentinelPassword);
  return new IoredisAdapter({
    topology: options.sentinels?.length ? 'sentinel' : 'single',
    client,
    ownsClient,
    // A duplicate keeps every setting of the original, Sentinel discovery included.
    openBlockingConnection: () => client.duplicate(),
    waitConnection: () => client,
    commandTimeoutMs: options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
    logger: redactingLogger(logger ?? silentLogger, secrets),
    secrets,
  });
}

/** Duck-typed: `instanceof` fails across two copies of ioredis in one tree. */
function isIoredisClient(target: unknown): target is Redis {
  const candidate = target as { duplicate?: unknown; sendCommand?: unknown };
  return typeof candidate.duplicate === 'function' && typeof candidate.sendCommand === 'function';
}
