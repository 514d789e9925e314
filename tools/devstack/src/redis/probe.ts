import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis } from 'ioredis';

export interface HostPort {
  host: string;
  port: number;
}

/** How a probe authenticates: what a server started with `password`, `users` or `tls` needs. */
export interface ProbeCredentials {
  username?: string;
  password?: string;
  /** TLS client options (PEM `ca`, `cert`, `key`); plain TCP when absent. */
  tls?: TlsOptions;
}

/**
 * Runs `fn` on a short-lived plain connection that neither retries nor queues, so a
 * probe answers "not yet" quickly instead of hanging on a server that is still starting.
 * Credentials come from `address` itself (a service's `info` carries them) or `options`.
 */
export async function withRedis<T>(
  address: HostPort & ProbeCredentials,
  fn: (client: Redis) => Promise<T>,
  options: ProbeCredentials = {},
): Promise<T> {
  const client = new Redis({
    host: address.host,
    port: address.port,
    username: options.username ?? address.username,
    password: options.password ?? address.password,
    tls: options.tls ?? address.tls,
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Errors reach the caller through the rejected command; the event would be unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Parses the `key:value` lines of INFO or CLUSTER INFO. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}
