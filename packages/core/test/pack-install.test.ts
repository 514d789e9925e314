import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const packed = ['@kf/protocol', '@kf/core', '@kf/redis-single'] as const;

/**
 * What a user gets from the registry: the three packages built and packed as they would
 * be published, installed with npm into a project outside the workspace next to ioredis
 * and nothing else.
 */
describe('installing @kf/core with only @kf/redis-single and ioredis', () => {
  let project: string;
  let redis: RedisSingle;

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'kf-pack-install-'));
    redis = await startRedisSingle();
    const tarballs = join(project, 'tarballs');
    const env = {
      ...process.env,
      COREPACK_INTEGRITY_KEYS: '0',
      COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
    };
    await run('pnpm', [...packed.flatMap((name) => ['--filter', name]), 'run', 'build'], {
      cwd: repoRoot,
      env,
    });
    for (const name of packed) {
      await run('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(repoRoot, 'packages', name.replace('@kf/', '')),
        env,
      });
    }
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    expect(files).toHaveLength(packed.length);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'kf-pack-install-check', private: true, version: '1.0.0' }),
    );
    await run(
      'npm',
      ['install', ...files, 'ioredis@6', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: project, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    );
    writeFileSync(join(project, 'check.mjs'), checkScript('esm'));
    writeFileSync(join(project, 'check.cjs'), checkScript('cjs'));
  });

  afterAll(async () => {
    try {
      await redis?.stop();
    } finally {
      if (project) rmSync(project, { recursive: true, force: true });
    }
  });

  test('npm installed the packed packages with workspace ranges rewritten, and no other adapter', () => {
    const installed = (name: string) =>
      JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
    const core = installed('@kf/core');
    expect(core.dependencies?.['@kf/protocol']).toMatch(/^\^\d/);
    expect(Object.values(core.peerDependencies ?? {}).join()).not.toMatch(/workspace:/);
    expect(existsSync(join(project, 'node_modules/@kf/redis-single'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/@kf/redis-cluster'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@kf/redis-node-redis'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/redis'))).toBe(false);
  });

  test.each(['check.mjs', 'check.cjs'])(
    '%s: createRedis connects and does SET/GET; a cluster config names @kf/redis-cluster',
    async (script) => {
      const { stdout } = await run(process.execPath, [script], {
        cwd: project,
        env: {
          PATH: process.env.PATH,
          REDIS_HOST: redis.info.host,
          REDIS_PORT: String(redis.info.port),
        },
        timeout: 30_000,
      });
      const result = JSON.parse(stdout) as CheckResult;
      expect(result.topology).toBe('single');
      expect(result.value).toBe(`written by ${script.endsWith('.mjs') ? 'esm' : 'cjs'}`);
      expect(result.cluster).toEqual({
        isKfError: true,
        code: 'KF_ADAPTER_NOT_INSTALLED',
        name: 'AdapterNotInstalledError',
        packageName: '@kf/redis-cluster',
        wantedFor: 'a Redis Cluster (redis.host lists 3 nodes)',
      });
    },
  );
});

interface CheckResult {
  topology: string;
  value: string;
  cluster: Record<string, unknown>;
}

/** A user's script: connect through @kf/core, SET/GET, then ask for a cluster. */
function checkScript(format: 'esm' | 'cjs'): string {
  const imports =
    format === 'esm'
      ? "import { createRedis } from '@kf/core';\nimport { isKfError } from '@kf/protocol';"
      : "const { createRedis } = require('@kf/core');\nconst { isKfError } = require('@kf/protocol');";
  const body = `
const redis = await createRedis({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT) });
const key = 'kf-pack-install:${format}';
await redis.set(key, 'written by ${format}');
const value = await redis.get(key);
await redis.del(key);
const topology = redis.topology;
await redis.close();
let cluster;
try {
  await createRedis({ host: ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'] });
  cluster = { error: 'none thrown' };
} catch (error) {
  const { code, name, packageName, wantedFor } = error;
  cluster = { isKfError: isKfError(error), code, name, packageName, wantedFor };
}
process.stdout.write(JSON.stringify({ topology, value, cluster }));
`;
  return format === 'esm'
    ? `${imports}\n${body}`
    : `${imports}\n(async () => {\n${body}\n})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });\n`;
}
