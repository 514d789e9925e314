import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { KfConfigInput } from '@kf/core';
import { parse as parseYaml } from 'yaml';
import { CliError } from './cli-error.js';

/** Where the config comes from: a file, flags and environment variables. */
export interface ConfigSources {
  /** `--config`: a JSON or YAML file holding the `createNode` config. */
  config?: string;
  /** `--brokers`: Kafka brokers, `host:port` separated by commas. */
  brokers?: string;
  /** `--redis`: Redis nodes, `host:port` separated by commas (several: a Cluster). */
  redis?: string;
  /** `--group`: the consumer group (`redis.groupName`). */
  group?: string;
}

/** The environment variables read, by the flag they stand in for. */
export const CONFIG_ENV = {
  config: 'KF_CONFIG',
  brokers: 'KF_BROKERS',
  redis: 'KF_REDIS',
  group: 'KF_GROUP',
} as const;

/**
 * The config as `createNode` takes it, not yet validated (`parseConfig` does that, and
 * names the field that is wrong). Precedence, highest first: a flag, its environment
 * variable, the config file (`--config`, else `KF_CONFIG`). `--redis` replaces the file's
 * Redis addresses (`host`, `port`, `sentinelAddresses`, `masterName`) and keeps the rest
 * of its `redis` section (password, TLS, client).
 */
export function loadConfig(
  flags: ConfigSources,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KfConfigInput {
  const pick = (key: keyof ConfigSources) => flags[key] ?? nonEmpty(env[CONFIG_ENV[key]]);
  const file = pick('config');
  const base = file === undefined ? {} : readConfigFile(file);
  const config: Record<string, unknown> = { ...base };
  const redis: Record<string, unknown> = isObject(base.redis) ? { ...base.redis } : {};
  const brokers = pick('brokers');
  if (brokers !== undefined) config.bootstrapBrokers = list(brokers);
  const redisNodes = pick('redis');
  if (redisNodes !== undefined) {
    for (const key of ['host', 'port', 'sentinelAddresses', 'masterName']) delete redis[key];
    // A list of one is one server, of several a Cluster: the schema reads the shape.
    redis.host = list(redisNodes);
  }
  const group = pick('group');
  if (group !== undefined) redis.groupName = group;
  if (base.redis !== undefined || Object.keys(redis).length > 0) config.redis = redis;
  return config as unknown as KfConfigInput;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : String((error as Error).message);
    throw new CliError(`cannot read the config file ${path}: ${why}`);
  }
  const json = extname(path).toLowerCase() === '.json';
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const what = json ? 'JSON' : 'YAML';
    const detail = (error as Error).message.split('\n')[0];
    throw new CliError(`the config file ${path} is not valid ${what}: ${detail}`);
  }
  if (!isObject(parsed)) {
    throw new CliError(`the config file ${path} must hold an object (the createNode config)`);
  }
  return parsed;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
