import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { AdapterNotInstalledError, ErrorCode, isKfError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { parseRedisConfig } from '../src/config/parse-config.js';
import type { RedisConfigInput } from '../src/index.js';
import { chooseAdapter } from '../src/redis/adapter-choice.js';
import { adapterOptions } from '../src/redis/adapter-options.js';
import { loadAdapterFactory, missingPackage } from '../src/redis/load-adapter.js';

const choices: { shape: string; conf: RedisConfigInput; pkg: string; wantedFor: RegExp }[] = [
  {
    shape: 'host + port',
    conf: { host: 'r', port: 6379 },
    pkg: '@kf/redis-single',
    wantedFor: /one Redis server/,
  },
  {
    shape: 'a one-element host list',
    conf: { host: ['r:7000'] },
    pkg: '@kf/redis-single',
    wantedFor: /one Redis server/,
  },
  {
    shape: 'sentinelAddresses + masterName',
    conf: { sentinelAddresses: ['s:26379'], masterName: 'm' },
    pkg: '@kf/redis-single',
    wantedFor: /Redis Sentinel \(redis.sentinelAddresses and redis.masterName/,
  },
  {
    shape: 'a host list of three',
    conf: { host: ['a:1', 'b:2', 'c:3'] },
    pkg: '@kf/redis-cluster',
    wantedFor: /a Redis Cluster \(redis.host lists 3 nodes\)/,
  },
  {
    shape: "client: 'node-redis' on one server",
    conf: { host: 'r', client: 'node-redis' },
    pkg: '@kf/redis-node-redis',
    wantedFor: /node-redis \(redis.client is 'node-redis'\) on one Redis server/,
  },
  {
    shape: "client: 'node-redis' on a cluster",
    conf: { host: ['a:1', 'b:2'], client: 'node-redis' },
    pkg: '@kf/redis-node-redis',
    wantedFor: /on a Redis Cluster/,
  },
];

describe('chooseAdapter picks the package from the shape of the redis section', () => {
  test.each(choices)('$shape → $pkg', ({ conf, pkg, wantedFor }) => {
    const choice = chooseAdapter(parseRedisConfig(conf));
    expect(choice.packageName).toBe(pkg);
    expect(choice.wantedFor).toMatch(wantedFor);
  });
});

describe('adapterOptions uses the adapters’ own option names', () => {
  test('one server', () => {
    const options = adapterOptions(
      parseRedisConfig({ host: 'r', port: 7, db: 2, password: 'p', timeout: 500 }),
      undefined,
    );
    expect(options).toEqual({
      host: 'r',
      port: 7,
      db: 2,
      password: 'p',
      commandTimeoutMs: 500,
    });
  });

  test('Sentinel', () => {
    const options = adapterOptions(
      parseRedisConfig({
        sentinelAddresses: ['s1:26379', 's2:26380'],
        masterName: 'm',
        sentinelPassword: 'sp',
        tls: true,
      }),
      undefined,
    );
    expect(options).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'm',
      sentinelPassword: 'sp',
      db: 0,
      tls: {},
    });
  });

  test('node-redis: the same names, plus the topology its options tell apart by', () => {
    expect(
      adapterOptions(parseRedisConfig({ host: ['a:1', 'b:2'], client: 'node-redis' }), undefined),
    ).toEqual({
      topology: 'cluster',
      nodes: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
    });
    expect(
      adapterOptions(parseRedisConfig({ host: 'r', client: 'node-redis', db: 1 }), undefined),
    ).toEqual({ topology: 'single', host: 'r', port: 6379, db: 1 });
  });

  test('cluster, with the logger handed on', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const options = adapterOptions(
      parseRedisConfig({ host: ['a:1', 'b:2'], clusterNodeTimeout: 1_000, username: 'u' }),
      logger,
    );
    expect(options).toEqual({
      nodes: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
      nodeTimeoutMs: 1_000,
      username: 'u',
      logger,
    });
  });
});

/**
 * The error Node's own loader throws for a package that is not installed, CommonJS
 * (`require`) or ESM (`import()`), taken from a child process started outside the
 * workspace (inside vitest, resolution goes through Vite and its aliases).
 */
function nodeNotFoundError(specifier: string, loader: 'require' | 'import'): Error {
  const load =
    loader === 'require'
      ? `require(${JSON.stringify(specifier)})`
      : `await import(${JSON.stringify(specifier)})`;
  const script = `try { ${load} } catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })) }`;
  const output = execFileSync(
    process.execPath,
    [...(loader === 'import' ? ['--input-type=module'] : []), '-e', script],
    { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  if (output === '') throw new Error(`${specifier} was found by ${loader} from ${tmpdir()}`);
  const { code, message } = JSON.parse(output) as { code: string; message: string };
  return Object.assign(new Error(message), { code });
}

describe('loadAdapterFactory', () => {
  const cluster = chooseAdapter(parseRedisConfig({ host: ['a:1', 'b:2', 'c:3'] }));

  test('a missing adapter (CommonJS) is an AdapterNotInstalledError naming it and why', async () => {
    const cause = nodeNotFoundError('@kf/redis-cluster', 'require');
    const load = loadAdapterFactory(cluster, async () => {
      throw cause;
    });
    const error = await load.catch((e: unknown) => e);
    expect(isKfError(error, ErrorCode.AdapterNotInstalled)).toBe(true);
    expect(error).toBeInstanceOf(AdapterNotInstalledError);
    expect(error).toMatchObject({
      packageName: '@kf/redis-cluster',
      wantedFor: 'a Redis Cluster (redis.host lists 3 nodes)',
      cause,
    });
    expect((error as Error).message).toMatch(/npm install @kf\/redis-cluster/);
  });

  test('a missing adapter (ESM) is an AdapterNotInstalledError too', async () => {
    const error = await loadAdapterFactory(cluster, async () => {
      throw nodeNotFoundError('@kf/redis-cluster', 'import');
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.AdapterNotInstalled,
      packageName: '@kf/redis-cluster',
    });
  });

  test('a missing driver names the driver and the adapter that needs it', async () => {
    const error = await loadAdapterFactory(cluster, async () => {
      throw nodeNotFoundError('ioredis', 'import');
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.AdapterNotInstalled,
      packageName: 'ioredis',
      wantedFor: '@kf/redis-cluster, which a Redis Cluster (redis.host lists 3 nodes) needs',
    });
  });

  test('any other failure to load is rethrown as it is', async () => {
    const other = nodeNotFoundError('some-unrelated-package', 'require');
    const error = await loadAdapterFactory(cluster, async () => {
      throw other;
    }).catch((e: unknown) => e);
    expect(error).toBe(other);
    const broken = new SyntaxError('Unexpected token');
    await expect(
      loadAdapterFactory(cluster, async () => {
        throw broken;
      }),
    ).rejects.toBe(broken);
  });

  test('a package without the factory export is a TypeError naming both', async () => {
    await expect(loadAdapterFactory(cluster, async () => ({}))).rejects.toThrow(
      /@kf\/redis-cluster does not export createClusterRedis/,
    );
  });

  test('returns the factory the package exports', async () => {
    const createClusterRedis = () => 'adapter';
    const factory = await loadAdapterFactory(cluster, async () => ({ createClusterRedis }));
    expect(factory).toBe(createClusterRedis);
  });
});

describe('missingPackage reads the package out of Node’s not-found errors', () => {
  test.each([
    [nodeNotFoundError('@kf/redis-single', 'require'), '@kf/redis-single'],
    [nodeNotFoundError('@kf/redis-single', 'import'), '@kf/redis-single'],
    [nodeNotFoundError('ioredis/built/utils', 'require'), 'ioredis'],
    [nodeNotFoundError('@kf/redis-node-redis/sub', 'import'), '@kf/redis-node-redis'],
    [new Error("Cannot find package 'x'"), undefined],
    ['not an error', undefined],
  ])('case %#', (error, expected) => {
    expect(missingPackage(error)).toBe(expected);
  });
});
