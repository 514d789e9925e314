import type { NodeRedisDriver } from './driver-types.js';
import type { NodeRedisOptions } from './options.js';

/** The credentials in the adapter's options, to keep out of every message and log line. */
export function secretsOfOptions(options: NodeRedisOptions): string[] {
  const values: unknown[] = [options.password];
  if (options.topology === 'sentinel') values.push(options.sentinelPassword);
  if ((options.topology ?? 'single') === 'single') {
    values.push(...passwordOfUrl((options as { url?: unknown }).url));
  }
  return onlySecrets(values);
}

/**
 * The credentials a caller's node-redis object was configured with, where node-redis
 * shows them (a client's `options`, a cluster's `_options`): the adapter never logs
 * them, but driver errors pass through its messages and may.
 */
export function secretsOfDriver(driver: NodeRedisDriver): string[] {
  const { options, _options } = driver as {
    options?: { password?: unknown; url?: unknown };
    _options?: { defaults?: { password?: unknown }; rootNodes?: Array<{ password?: unknown }> };
  };
  return onlySecrets([
    options?.password,
    ...passwordOfUrl(options?.url),
    _options?.defaults?.password,
    ...(_options?.rootNodes ?? []).map((node) => node?.password),
  ]);
}

function passwordOfUrl(url: unknown): string[] {
  if (typeof url !== 'string') return [];
  try {
    const { password } = new URL(url);
    return password === '' ? [] : [password, decodeURIComponent(password)];
  } catch {
    // An unparsable URL is reported by validation; any credentials in it are masked by
    // the URL pattern in `redact` instead.
    return [];
  }
}

function onlySecrets(values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}
