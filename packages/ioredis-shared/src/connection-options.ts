import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Logger } from '@kf/protocol';

/** How long a command may go unanswered, including a wait for a reconnection. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** What both ioredis adapters accept besides where the servers are. */
export interface CommonRedisOptions {
  /** ACL user (Redis 6+); the `default` user when omitted. */
  username?: string;
  password?: string;
  /** TLS settings (`ca`, `cert`, `key`, `servername`, …); plain TCP when omitted. */
  tls?: TlsOptions;
  /**
   * How long a command may wait for its reply, a reconnection included, before it
   * fails with `CommandTimeoutError`. Default 10 000 ms.
   */
  commandTimeoutMs?: number;
  /** pino-shaped logger for connection trouble; silent when omitted. */
  logger?: Logger;
}

/** For an adapter wrapping a client the caller made and configured. */
export interface ClientAdapterOptions {
  logger?: Logger;
}

/** The credentials to keep out of every message and log line. */
export function secretsOf(...values: Array<string | undefined>): string[] {
  return values.filter((value): value is string => typeof value === 'string' && value !== '');
}

/**
 * Reconnect soon after a connection drops, backing off to one attempt a second: a
 * restarted or failed-over server is usually back within a few seconds, and commands
 * wait for it (bounded by the command timeout) rather than fail at once.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 1_000);
}
