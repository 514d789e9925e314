import type { CommonRedisOptions } from '@kf/ioredis-shared';

/** One Redis server. */
export interface SingleServerOptions extends CommonRedisOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 6379. */
  port?: number;
  /** Database index, default 0. */
  db?: number;
}

export interface SentinelAddress {
  host: string;
  port: number;
}

/** A master found through Redis Sentinel, followed across fail-overs. */
export interface SentinelOptions extends CommonRedisOptions {
  sentinels: SentinelAddress[];
  /** The master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  /** Credentials of the sentinels themselves, when they require them. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  db?: number;
}

export type SingleRedisOptions = SingleServerOptions | SentinelOptions;

export function isSentinelOptions(options: SingleRedisOptions): options is SentinelOptions {
  return 'sentinels' in options && Array.isArray(options.sentinels);
}
