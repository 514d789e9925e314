// Needs the npm registry: `npm install` fetches ioredis@6 and the packed packages'
// dependencies from the registry npm is configured with (`npm config get registry`;
// https://registry.npmjs.org/ unless set), so without network access to it this test
// fails, and its message names the registry and says so.
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
 * Bounds of the set-up, from what each step took here: building the three packages with
 * tsup took up to 100 s at a load average of 16 (240 s is over twice that); packing one,
 * under a second (10 s); `npm install` from a registry that answers, 2 s (40 s).
 */
const BUILD_TIMEOUT_MS = 240_000;
const PACK_TIMEOUT_MS = 10_000;
const INSTALL_WORK_MS = 40_000;
/**
 * npm gives up on a request the registry does not answer after FETCH_TIMEOUT_MS, tried
 * twice with NPM_RETRY_PAUSE_MS between: the install's bound leaves room for that, so
 * npm's own network error, naming what failed, comes through first.
 */
const FETCH_TIMEOUT_MS = 20_000;
const NPM_RETRY_PAUSE_MS = 10_000;
const INSTALL_TIMEOUT_MS = 2 * FETCH_TIMEOUT_MS + NPM_RETRY_PAUSE_MS + INSTALL_WORK_MS;
/** A user's script: Node starts, connects and runs a few commands, well under a second. */
const SCRIPT_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS = BUILD_TIMEOUT_MS + packed.length * PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS;

/** npm's environment: the machine's PATH and HOME (its config), nothing of the workspace's. */
const npmEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

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
    // Through turbo: when `dist/` is already the build of the current sources (the test
    // command built everything first), it is left as it is. A rebuild empties `dist/`
    // first, and the other test lane's node processes import these packages' `dist/`.
    await run(
      'pnpm',
      [
        'exec',
        'turbo',
        'run',
        'build',
        ...packed.map((name) => `--filter=${name}`),
        '--output-logs=errors-only',
      ],
      { cwd: repoRoot, env, timeout: BUILD_TIMEOUT_MS },
    );
    for (const name of packed) {
      await run('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(repoRoot, 'packages', name.replace('@kf/', '')),
        env,
        timeout: PACK_TIMEOUT_MS,
      });
    }
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    expect(files).toHaveLength(packed.length);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'kf-pack-install-check', private: true, version: '1.0.0' }),
    );
    await npmInstall(project, [...files, 'ioredis@6']);
    writeFileSync(join(project, 'check.mjs'), checkScript('esm'));
    writeFileSync(join(project, 'check.cjs'), checkScript('cjs'));
  }, SETUP_TIMEOUT_MS);

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
        timeout: SCRIPT_TIMEOUT_MS,
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

/**
 * How npm talks to the registry here: each request bounded, one retry after a bounded
 * pause (see FETCH_TIMEOUT_MS).
 */
const npmFetchOptions = [
  `--fetch-timeout=${FETCH_TIMEOUT_MS}`,
  '--fetch-retries=1',
  `--fetch-retry-mintimeout=${NPM_RETRY_PAUSE_MS}`,
  `--fetch-retry-maxtimeout=${NPM_RETRY_PAUSE_MS}`,
];

/**
 * `npm install`s `specs` into `project`. When it fails, `npm ping` asks the registry
 * whether it answers: npm's own error does not always say (an unreachable registry has
 * come out as ERESOLVE, "Found: ioredis@undefined"). A registry that does not answer is
 * named in the error, with the fact that this test needs it; any other failure carries
 * what npm said.
 */
async function npmInstall(project: string, specs: string[]): Promise<void> {
  const registry = await run('npm', ['config', 'get', 'registry', ...npmFetchOptions], {
    cwd: project,
    env: npmEnv,
  })
    .then(({ stdout }) => stdout.trim())
    .catch(() => 'the registry npm is configured with');
  try {
    await run(
      'npm',
      ['install', ...specs, '--no-audit', '--no-fund', '--loglevel=error', ...npmFetchOptions],
      { cwd: project, env: npmEnv, timeout: INSTALL_TIMEOUT_MS },
    );
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; killed?: boolean };
    const said = `${failed.stderr ?? ''}${failed.stdout ?? ''}`.trim() || String(error);
    const unreachable = await run('npm', ['ping', ...npmFetchOptions], {
      cwd: project,
      env: npmEnv,
      timeout: INSTALL_TIMEOUT_MS,
    }).then(
      () => undefined,
      (pingError: { stderr?: string; killed?: boolean }) =>
        pingError.killed
          ? `no answer within ${INSTALL_TIMEOUT_MS} ms`
          : // Its first lines name the error and the request that failed.
            (pingError.stderr ?? String(pingError)).trim().split('\n').slice(0, 6).join('\n'),
    );
    throw new Error(
      unreachable !== undefined || failed.killed
        ? `npm install could not reach the npm registry ${registry}: this test needs ` +
            `network access to it, to install ioredis@6 and the packed packages' ` +
            `dependencies. npm ping said: ${unreachable ?? '(answered)'}\nnpm install said:\n${said}`
        : `npm install (registry ${registry}, which answers npm ping) failed:\n${said}`,
      { cause: error },
    );
  }
}

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
