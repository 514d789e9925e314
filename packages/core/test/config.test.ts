import { ConfigError, ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  DEFAULT_CONSUMER_CONF,
  DEFAULT_REDIS,
  type KfConfig,
  type KfConfigInput,
  parseConfig,
  parseRedisConfig,
} from '../src/index.js';
import { type ConfigPatch, invalidConfigs, patchConfig } from './support/invalid-configs.js';

const valid = {
  bootstrapBrokers: ['127.0.0.1:9092'],
  redis: { host: '127.0.0.1', port: 6379, groupName: 'orders' },
} satisfies KfConfigInput;

/** `valid` with `patch` merged into each section it names. */
function withPatch(patch: ConfigPatch): unknown {
  return patchConfig(valid, patch);
}

function issuesOf(input: unknown): ConfigError['issues'] {
  try {
    parseConfig(input as KfConfigInput);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected parseConfig to throw');
}

const invalid = invalidConfigs(valid);

describe('parseConfig rejects an invalid config, naming the field', () => {
  test(`the table holds at least 25 invalid configs (${invalid.length})`, () => {
    expect(invalid.length).toBeGreaterThanOrEqual(25);
    expect(new Set(invalid.map((c) => c.name)).size).toBe(invalid.length);
  });

  test.each(invalid)('$name → $path', ({ input, path, message }) => {
    const issues = issuesOf(input);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(issues[0]?.message).toMatch(message);
  });
});

describe('ConfigError', () => {
  test('carries a stable code, lists every wrong field in its message, and keeps the cause', () => {
    const error = (() => {
      try {
        return parseConfig(
          withPatch({ redis: { port: 'x' }, conf: { consumeStep: -1 } }) as KfConfigInput,
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(isKfError(error, ErrorCode.ConfigInvalid)).toBe(true);
    const configError = error as ConfigError;
    expect(configError.issues.map((i) => i.path)).toEqual(['redis.port', 'conf.consumeStep']);
    expect(configError.message).toBe(
      'invalid kf config: redis.port: expected a whole number, from 1 to 65535, got "x"; ' +
        'conf.consumeStep: expected a whole number of offsets, at least 1, got -1',
    );
    expect(configError.cause).toBeDefined();
  });

  test('names a secret field by its type only', () => {
    const issues = issuesOf(withPatch({ redis: { password: 12345 } }));
    expect(issues).toEqual([
      {
        path: 'redis.password',
        message: 'expected a non-empty string (omit it when there is no password), got a number',
      },
    ]);
  });
});

describe('parseConfig on a valid config', () => {
  test('applies every consumer and Redis default', () => {
    const config = parseConfig(valid);
    expect(config.conf).toEqual(DEFAULT_CONSUMER_CONF);
    expect(config.conf).toEqual({
      workCalculateFreq: 100,
      metadataMaxAgeMs: 10_000,
      consumeStep: 10_000,
      useEarliest: false,
      resetAheadOffsets: true,
      concurrency: 4,
      ordering: 'unordered',
      maxAttempts: 10,
      retryBackoffMs: 100,
      maxRetryBackoffMs: 5_000,
      leaseTtlMs: 5_000,
      leaderLockTtlMs: 2_000,
      maxQueuedUnits: 1_000,
      inlineRecordsMaxBytes: 16_384,
      handlerTimeoutMs: 30_000,
      waitReplicas: 0,
      waitTimeoutMs: 500,
      commitToKafka: true,
      commitIntervalMs: 5_000,
      fetch: { maxBytes: 1_048_576, maxWaitMs: 100 },
    });
    expect(config.redis).toEqual({
      topology: 'single',
      host: '127.0.0.1',
      port: 6379,
      groupName: 'orders',
      client: 'ioredis',
      db: 0,
    });
  });

  test('defaults the kafka section and makes ssl explicit', () => {
    expect(parseConfig(valid).kafka).toEqual({
      client: 'kafkajs',
      clientId: 'kf',
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 30_000,
      isolation: 'read_committed',
      groupId: 'orders',
    });
    expect(parseConfig({ ...valid, kafka: { groupId: 'legacy-app' } }).kafka.groupId).toBe(
      'legacy-app',
    );
    const sasl = { mechanism: 'scram-sha-512' as const, username: 'u', password: 'p' };
    expect(parseConfig({ ...valid, kafka: { ssl: true, sasl } }).kafka).toMatchObject({
      ssl: {},
      sasl,
    });
    expect(parseConfig({ ...valid, kafka: { ssl: false } }).kafka).not.toHaveProperty('ssl');
    expect(parseConfig({ ...valid, kafka: { client: 'platformatic' } }).kafka.client).toBe(
      'platformatic',
    );
  });

  test('keeps given settings and defaults the rest, fetch included', () => {
    const config = parseConfig({
      ...valid,
      conf: { useEarliest: true, ordering: 'partition', fetch: { maxWaitMs: 0 } },
    });
    expect(config.conf.useEarliest).toBe(true);
    expect(config.conf.ordering).toBe('partition');
    expect(config.conf.fetch).toEqual({ maxBytes: 1_048_576, maxWaitMs: 0 });
    expect(config.conf.consumeStep).toBe(DEFAULT_CONSUMER_CONF.consumeStep);
  });

  test('normalises brokers written as strings, objects and IPv6', () => {
    const config = parseConfig({
      ...valid,
      bootstrapBrokers: ['kafka-1:9092', { host: 'kafka-2', port: 9093 }, '[::1]:9094'],
    });
    expect(config.bootstrapBrokers).toEqual([
      { host: 'kafka-1', port: 9092 },
      { host: 'kafka-2', port: 9093 },
      { host: '::1', port: 9094 },
    ]);
  });

  test('a host name alone is one server on the default port', () => {
    const config = parseConfig({ ...valid, redis: { host: 'redis.internal', groupName: 'g' } });
    expect(config.redis).toMatchObject({
      topology: 'single',
      host: 'redis.internal',
      port: DEFAULT_REDIS.port,
    });
  });

  test('a one-element host list is one server', () => {
    const config = parseConfig({ ...valid, redis: { host: ['r1:7000'], groupName: 'g' } });
    expect(config.redis).toMatchObject({ topology: 'single', host: 'r1', port: 7000 });
    expect(config.redis).not.toHaveProperty('nodes');
  });

  test('a host list of several is a cluster', () => {
    const config = parseConfig({
      ...valid,
      redis: {
        host: ['r1:7000', { host: 'r2', port: 7001 }, 'r3:7002'],
        groupName: 'g',
        clusterNodeTimeout: 1_000,
        timeout: 5_000,
      },
    });
    expect(config.redis).toEqual({
      topology: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
        { host: 'r3', port: 7002 },
      ],
      clusterNodeTimeout: 1_000,
      timeout: 5_000,
      groupName: 'g',
      client: 'ioredis',
      db: 0,
    });
  });

  test('sentinelAddresses and masterName are Sentinel, with its credentials', () => {
    const config = parseConfig({
      ...valid,
      redis: {
        sentinelAddresses: ['s1:26379', 's2:26379'],
        masterName: 'mymaster',
        sentinelPassword: 'sentinel-secret',
        password: 'master-secret',
        groupName: 'g',
      },
    });
    expect(config.redis).toMatchObject({
      topology: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
      sentinelPassword: 'sentinel-secret',
      password: 'master-secret',
    });
    expect(config.redis).not.toHaveProperty('host');
  });

  test("client: 'node-redis' is kept with the topology the shape picks", () => {
    const config = parseConfig({
      ...valid,
      redis: { host: ['r1:7000', 'r2:7001'], client: 'node-redis', groupName: 'g' },
    });
    expect(config.redis).toMatchObject({ topology: 'cluster', client: 'node-redis' });
  });

  test('tls: true becomes an empty options object, false leaves TLS off', () => {
    const on = parseConfig({ ...valid, redis: { ...valid.redis, tls: true } });
    const off = parseConfig({ ...valid, redis: { ...valid.redis, tls: false } });
    const custom = parseConfig({
      ...valid,
      redis: { ...valid.redis, tls: { servername: 'redis.example' } },
    });
    expect(on.redis.tls).toEqual({});
    expect(off.redis).not.toHaveProperty('tls');
    expect(custom.redis.tls).toEqual({ servername: 'redis.example' });
  });

  test('the parsed type is KfConfig', () => {
    expectTypeOf(parseConfig(valid)).toEqualTypeOf<KfConfig>();
    expectTypeOf(parseConfig(valid).redis.groupName).toEqualTypeOf<string>();
  });
});

describe('parseRedisConfig (the redis section alone)', () => {
  test('needs no groupName, and names paths as in the whole config', () => {
    expect(parseRedisConfig({ host: ['r1:7000', 'r2:7001'] })).toMatchObject({
      topology: 'cluster',
    });
    expect(() => parseRedisConfig({ host: ['r1:7000', 'oops'] })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'redis.host[1]' })] }),
    );
  });

  test('an empty section is the default server', () => {
    expect(parseRedisConfig({})).toMatchObject({
      topology: 'single',
      host: DEFAULT_REDIS.host,
      port: DEFAULT_REDIS.port,
    });
  });
});
