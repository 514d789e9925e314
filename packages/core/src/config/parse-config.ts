import { ConfigError } from '@kf/protocol';
import type { z } from 'zod';
import { genericMessage, toConfigIssues } from './issues.js';
import { KNOWN_KEYS, kfConfigSchema, redisSectionSchema } from './schema.js';
import type { KfConfig, KfConfigInput, RedisConfig, RedisConfigInput } from './types.js';

/**
 * Validates the whole `createNode` config and applies every default. Throws a
 * `ConfigError` naming each wrong field, unknown keys included, and what was expected.
 */
export function parseConfig(input: KfConfigInput): KfConfig {
  return parseWith(kfConfigSchema, input, []);
}

/**
 * Validates the `redis` section alone; issues are named as in the whole config
 * (`redis.host[1]`). `groupName` is optional here: connecting does not need it.
 */
export function parseRedisConfig(input: RedisConfigInput): RedisConfig {
  return parseWith(redisSectionSchema, input, ['redis']);
}

function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  basePath: string[],
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true, error: genericMessage });
  if (result.success) return result.data;
  throw new ConfigError(toConfigIssues(result.error.issues, { basePath, knownKeys: KNOWN_KEYS }), {
    cause: result.error,
  });
}
