import { DEFAULT_COMMAND_TIMEOUT_MS, reconnectDelay } from '@kf/ioredis-shared';
import type { RedisOptions } from 'ioredis';
import { isSentinelOptions, type SingleRedisOptions } from './options.js';

/**
 * The ioredis options for what the caller asked, with kf's fail-over behaviour:
 * commands wait for a reconnection (bounded by the command timeout) instead of
 * failing after a retry count, and a write refused by a demoted master (READONLY)
 * reconnects to the new one and is sent again.
 */
export function toIoredisOptions(options: SingleRedisOptions): RedisOptions {
  const common: RedisOptions = {
    username: options.username,
    password: options.password,
    tls: options.tls,
    db: options.db,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  if (!isSentinelOptions(options)) {
    return { ...common, host: options.host ?? '127.0.0.1', port: options.port ?? 6379 };
  }
  return {
    ...common,
    sentinels: options.sentinels,
    name: options.name,
    sentinelUsername: options.sentinelUsername,
    sentinelPassword: options.sentinelPassword,
    // Sentinels announce a fail-over at once; without this ioredis notices only when
    // the old master's connection breaks.
    failoverDetector: true,
  };
}
