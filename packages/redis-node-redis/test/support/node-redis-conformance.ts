import {
  type AdapterFactory,
  type ConformanceOptions,
  redisConformance,
} from '@kf/protocol/testkit';
import { describe, expect, test } from 'vitest';
import { nodeRedisVersion } from './node-redis-version.js';

/**
 * kf's IRedis conformance suite on the adapters `factory` makes, named after the
 * node-redis version under test: `name` in the options, `suite` in the suite's title.
 */
export function nodeRedisConformance(
  named: { name: string; suite: string },
  factory: AdapterFactory,
  options: () => Omit<ConformanceOptions, 'name'>,
): void {
  redisConformance(
    { describe, test, expect },
    factory,
    () => ({ name: `node-redis ${nodeRedisVersion} ${named.name}`, ...options() }),
    `IRedis conformance: node-redis ${nodeRedisVersion}, ${named.suite}`,
  );
}
