// Needs the npm registry: `npm install` fetches the drivers, TypeScript and the packed
// packages' dependencies from the registry npm is configured with (`npm config get
// registry`; https://registry.npmjs.org/ unless set), so without network access to it this
// test fails, and its message names the registry and says so.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KafkaService,
  type RedisCluster,
  type RedisSingle,
  startKafka,
  startRedisCluster,
  startRedisSingle,
  startTogether,
} from '@kf/devstack';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packagesImported } from './support/imports.js';
import { NPM_NETWORK_GRACE_MS, npmInstall } from './support/npm.js';
import { build, type Packed, pack } from './support/pack.js';
import { type ProgramOptions, runJson, runProgram } from './support/run-program.js';
import { type ProducedTopic, produceNumbered } from './support/topic.js';
import {
  installedDependencies,
  type Manifest,
  repoRoot,
  type WorkspacePackage,
  workspacePackages,
} from './support/workspace.js';

/**
 * Bounds, from what each step took here on two cores. Building all eight packages from
 * scratch took 55 s on an idle machine and tsup has taken 100 s for three at a load
 * average of 16: 300 s. Eight packs side by side took 4 s (30 s). Both projects' installs
 * side by side took 15 s from a registry that answers (60 s, plus npm's own network
 * bounds). @kf/devstack bounds Kafka's start (a storage format of up to 60 s, then up to
 * 120 s to be ready; 12 s here); Redis Cluster's 6 servers took 7 s beside it.
 */
const BUILD_TIMEOUT_MS = 300_000;
const PACK_TIMEOUT_MS = 30_000;
const INSTALL_TIMEOUT_MS = 60_000 + NPM_NETWORK_GRACE_MS;
const STACK_TIMEOUT_MS = 60_000 + 120_000 + 30_000;
/** Creating the topic and writing a few hundred messages: under 2 s here. */
const PRODUCE_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS =
  Math.max(BUILD_TIMEOUT_MS + PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS, STACK_TIMEOUT_MS) +
  PRODUCE_TIMEOUT_MS;
/** `tsc` on a project of three small files: 3 s here. */
const TSC_TIMEOUT_MS = 60_000;
/** A user's script or a `kf` command: Node starts, connects, a few commands; about 1 s. */
const SCRIPT_TIMEOUT_MS = 30_000;
/**
 * A consuming program's own deadline: its start may wait up to 15 s for each of Redis and
 * Kafka (createNode's startTimeoutMs), and reading a few hundred messages takes 2 to 3 s
 * here. Past it the program prints what it got and exits 1; the test kills it 15 s later.
 */
const CONSUME_DEADLINE_MS = 2 * 15_000 + 30_000;
const CONSUME_TIMEOUT_MS = CONSUME_DEADLINE_MS + 15_000;

/** Messages written to the topic, round-robin over its partitions. */
const MESSAGES = 300;
const PARTITIONS = 3;

/** The workspace's packages: the public ones are what a release publishes. */
const workspace = workspacePackages();
const publicPackages = workspace.filter(
  (pkg) => pkg.manifest.private !== true && pkg.dir.startsWith(join(repoRoot, 'packages')),
);
const privateNames = workspace
  .filter((pkg) => pkg.manifest.private === true)
  .map((pkg) => pkg.manifest.name);

/** The Apache License 2.0 as apache.org publishes it (LICENSE-2.0.txt), byte for byte. */
const APACHE_2_SHA256 = 'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30';

/**
 * The two projects a stranger makes: what each names from kf, and the drivers, as the
 * packages' READMEs tell (kafkajs pinned to the version @kf/consumer supports; ioredis and
 * redis as the adapters' READMEs install them). TypeScript and @types/node are the
 * versions the workspace builds with.
 */
const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const toolchain = ['typescript', '@types/node'].map(
  (name) => `${name}@${rootManifest.devDependencies?.[name] ?? 'latest'}`,
);
const projects = {
  esm: {
    kf: [
      '@kf/consumer',
      '@kf/redis-single',
      '@kf/redis-cluster',
      '@kf/kafka-platformatic',
      '@kf/cli',
    ],
    // @types/redis-errors: ioredis 6.1's declarations need it in a project that checks
    // libraries' declarations, as the ioredis adapters' READMEs say.
    registry: [
      'kafkajs@2.2.4',
      'ioredis',
      '@types/redis-errors',
      '@platformatic/kafka',
      ...toolchain,
    ],
    manifest: { type: 'module' },
  },
  cjs: {
    kf: ['@kf/consumer', '@kf/redis-node-redis', '@kf/cli'],
    registry: ['kafkajs@2.2.4', 'redis', ...toolchain],
    manifest: {},
  },
} as const;
type ProjectName = keyof typeof projects;

describe('a release, installed by a stranger from the registry', () => {
  let workDir: string;
  const packed = new Map<string, Packed>();
  const projectDir = (name: ProjectName) => join(workDir, name);
  let stack: [KafkaService, RedisSingle, RedisCluster] | undefined;
  let stackStarting: Promise<unknown> | undefined;
  let produced: ProducedTopic;
  /** Aborted in afterAll: kills any program the test started that still runs. */
  const programs = new AbortController();
  const inProject = (name: ProjectName, timeoutMs: number): ProgramOptions => ({
    cwd: projectDir(name),
    timeoutMs,
    signal: programs.signal,
  });

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kf-release-check-'));
    const starting = startTogether<[KafkaService, RedisSingle, RedisCluster]>(
      startKafka({ brokers: 1 }),
      startRedisSingle(),
      startRedisCluster(),
    );
    stackStarting = starting;
    const services = starting.then(async (started) => {
      stack = started;
      produced = await produceNumbered(started[0].info.brokers, 'release-check', {
        count: MESSAGES,
        partitions: PARTITIONS,
      });
    });
    const installed = (async () => {
      await build(publicPackages, BUILD_TIMEOUT_MS);
      const tarballs = join(workDir, 'tarballs');
      for (const result of await Promise.all(
        publicPackages.map((pkg) => pack(pkg, tarballs, PACK_TIMEOUT_MS)),
      )) {
        packed.set(result.name, result);
      }
      await Promise.all((Object.keys(projects) as ProjectName[]).map((name) => makeProject(name)));
    })();
    // Both run to their end before a failure is thrown, so afterAll finds every service
    // that started and stops it.
    const failed = (await Promise.allSettled([services, installed])).find(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    programs.abort();
    // A start still under way (the set-up ran out of time) is waited for, to stop it too.
    await stackStarting?.catch(() => undefined);
    try {
      await Promise.all((stack ?? []).map((service) => service.stop()));
    } finally {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }
  });

  /**
   * A project outside the workspace: the fixture's sources, a package.json, and npm
   * installing the packed kf packages it names (with the kf packages those need, which
   * would come from the registry after a release) and the rest from the registry.
   */
  async function makeProject(name: ProjectName): Promise<void> {
    const project = projects[name];
    const dir = projectDir(name);
    cpSync(join(import.meta.dirname, '..', 'fixtures', name), dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: `kf-release-check-${name}`,
        version: '1.0.0',
        private: true,
        ...project.manifest,
      }),
    );
    const tarballs = kfClosure(project.kf).map((pkg) => tarballOf(pkg));
    await npmInstall(dir, [...tarballs, ...project.registry], INSTALL_TIMEOUT_MS);
  }

  /** `names` and the kf packages they need (dependencies and required peers), transitively. */
  function kfClosure(names: readonly string[]): string[] {
    const wanted = new Set(names);
    for (const name of wanted) {
      const { manifest } = packedOf(name);
      const optional = manifest.peerDependenciesMeta ?? {};
      for (const dep of [
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}).filter((p) => !optional[p]?.optional),
      ]) {
        if (packed.has(dep)) wanted.add(dep);
      }
    }
    return [...wanted].sort();
  }

  function packedOf(name: string): Packed {
    const found = packed.get(name);
    if (!found) throw new Error(`${name} was not packed`);
    return found;
  }
  const tarballOf = (name: string) => packedOf(name).tarball;

  test('the public packages are the eight kf publishes', () => {
    expect(publicPackages.map((pkg) => pkg.manifest.name).sort()).toEqual([
      '@kf/cli',
      '@kf/consumer',
      '@kf/core',
      '@kf/kafka-platformatic',
      '@kf/protocol',
      '@kf/redis-cluster',
      '@kf/redis-node-redis',
      '@kf/redis-single',
    ]);
    expect(privateNames).toEqual(expect.arrayContaining(['@kf/ioredis-shared', '@kf/devstack']));
  });

  test('the repository is licensed under the unmodified Apache License 2.0', () => {
    const license = readFileSync(join(repoRoot, 'LICENSE'));
    expect(createHash('sha256').update(license).digest('hex')).toBe(APACHE_2_SHA256);
    expect(rootManifest.license).toBe('Apache-2.0');
  });

  describe.each(publicPackages.map((pkg): [string, WorkspacePackage] => [pkg.manifest.name, pkg]))(
    '%s, packed',
    (name, source) => {
      const packedNow = () => packedOf(name);

      test('ships LICENSE, README.md, package.json and dist only: no sources, no tests', () => {
        const { files } = packedNow();
        expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
        const others = files.filter(
          (file) => !['LICENSE', 'README.md', 'package.json'].includes(file),
        );
        expect(others.filter((file) => !file.startsWith('dist/'))).toEqual([]);
        expect(
          files.filter((file) => /(^|\/)(test|tests|__tests__)\/|\.(test|spec)\./.test(file)),
        ).toEqual([]);
        expect(readFileSync(join(packedNow().dir, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(repoRoot, 'LICENSE'), 'utf8'),
        );
        expect(readFileSync(join(packedNow().dir, 'README.md'), 'utf8')).toMatch(
          new RegExp(`^# ${name}`),
        );
      });

      test('every entry of its exports map ships: .js and .d.ts to import, .cjs and .d.cts to require', () => {
        const { manifest, files } = packedNow();
        const entries = Object.entries(manifest.exports ?? {}).filter(
          ([subpath]) => subpath !== './package.json',
        );
        expect(entries.map(([subpath]) => subpath)).toContain('.');
        for (const [subpath, conditions] of entries) {
          const targets = conditions as Record<string, Record<string, string>>;
          expect({ subpath, ...targets }).toEqual({
            subpath,
            import: {
              types: expect.stringMatching(/^\.\/dist\/.+\.d\.ts$/),
              default: expect.stringMatching(/^\.\/dist\/.+\.js$/),
            },
            require: {
              types: expect.stringMatching(/^\.\/dist\/.+\.d\.cts$/),
              default: expect.stringMatching(/^\.\/dist\/.+\.cjs$/),
            },
          });
        }
        const referenced = [
          ...entries.flatMap(([, conditions]) =>
            Object.values(conditions as Record<string, Record<string, string>>).flatMap(
              Object.values,
            ),
          ),
          manifest.main,
          manifest.module,
          manifest.types,
          ...Object.values(manifest.bin ?? {}),
        ].filter((path): path is string => path !== undefined);
        for (const path of referenced) expect(files).toContain(path.replace(/^\.\//, ''));
        for (const bin of Object.values(manifest.bin ?? {})) {
          expect(readFileSync(join(packedNow().dir, bin), 'utf8')).toMatch(
            /^#!\/usr\/bin\/env node\n/,
          );
        }
      });

      test('its package.json is publishable: public, versioned, no workspace: range, no private package', () => {
        const { manifest, dir } = packedNow();
        expect(readFileSync(join(dir, 'package.json'), 'utf8')).not.toContain('workspace:');
        expect(manifest).toMatchObject({
          name,
          version: source.manifest.version,
          license: 'Apache-2.0',
          publishConfig: { access: 'public' },
        });
        expect(manifest.private).toBeUndefined();
        const needs = installedDependencies(manifest);
        expect(Object.keys(needs).filter((dep) => privateNames.includes(dep))).toEqual([]);
        expect(manifest.bundleDependencies ?? []).toEqual([]);
        // A kf package it needs is one of the release, at the version the release carries.
        for (const [dep, range] of Object.entries(needs)) {
          if (!dep.startsWith('@kf/')) continue;
          expect(packed.has(dep), `${name} needs ${dep}`).toBe(true);
          expect(range).toBe(`^${packedOf(dep).manifest.version}`);
        }
      });

      test('its built code and declarations reach only its dependencies, its peers and Node', () => {
        const { manifest, dir, files } = packedNow();
        const built = files.filter((file) => /^dist\/.+\.(c?js|d\.c?ts)$/.test(file));
        const reachable = new Set([name, ...Object.keys(installedDependencies(manifest))]);
        expect(packagesImported(dir, built).filter((dep) => !reachable.has(dep))).toEqual([]);
      });
    },
  );

  test('npm installed the tarballs with workspace ranges rewritten, and only the adapters each project asked for', () => {
    const installed = (project: ProjectName, pkg: string) =>
      join(projectDir(project), 'node_modules', pkg);
    const manifestIn = (project: ProjectName, pkg: string) =>
      JSON.parse(readFileSync(join(installed(project, pkg), 'package.json'), 'utf8')) as Manifest;
    for (const project of Object.keys(projects) as ProjectName[]) {
      const core = manifestIn(project, '@kf/core');
      expect(core.dependencies?.['@kf/protocol']).toMatch(/^\^\d/);
      for (const pkg of kfClosure(projects[project].kf)) {
        expect(JSON.stringify(manifestIn(project, pkg))).not.toContain('workspace:');
        // One copy of each kf package: nothing nested under another.
        expect(existsSync(join(installed(project, pkg), 'node_modules', '@kf'))).toBe(false);
      }
      // An optional peer is not installed unless asked for.
      expect(existsSync(installed(project, '@opentelemetry/api'))).toBe(false);
    }
    expect(existsSync(installed('esm', '@kf/redis-node-redis'))).toBe(false);
    expect(existsSync(installed('esm', 'redis'))).toBe(false);
    expect(existsSync(installed('cjs', '@kf/redis-node-redis'))).toBe(true);
    // The second Kafka client is an optional peer of @kf/consumer: only where named.
    expect(existsSync(installed('esm', '@kf/kafka-platformatic'))).toBe(true);
    expect(existsSync(installed('cjs', '@kf/kafka-platformatic'))).toBe(false);
    expect(existsSync(installed('cjs', '@platformatic/kafka'))).toBe(false);
  });

  /** What the consuming programs print. */
  interface Consumed {
    deliveries: number;
    values: string[];
    offsets: Record<string, number[]>;
  }

  function consume(
    project: ProjectName,
    program: string,
    group: string,
    redis: object,
    kafkaClient?: 'platformatic',
  ) {
    const job = {
      brokers: stackOf().kafka.info.brokers,
      redis,
      ...(kafkaClient === undefined ? {} : { kafkaClient }),
      group,
      topic: produced.topic,
      expected: [...produced.logEnds.values()].reduce((sum, end) => sum + end, 0),
      deadlineMs: CONSUME_DEADLINE_MS,
    };
    return runJson<Consumed>(
      process.execPath,
      [program, JSON.stringify(job)],
      inProject(project, CONSUME_TIMEOUT_MS),
    );
  }

  /** Every offset of every partition arrived, and with them every message written. */
  function expectEveryMessage(consumed: Consumed): void {
    expect(consumed.offsets).toEqual(
      Object.fromEntries(
        [...produced.logEnds].map(([partition, end]) => [
          String(partition),
          Array.from({ length: end }, (_, offset) => offset),
        ]),
      ),
    );
    expect(consumed.values).toEqual([...produced.values].sort());
    expect(consumed.deliveries).toBeGreaterThanOrEqual(MESSAGES);
  }

  function stackOf() {
    if (!stack) throw new Error('the stack did not start');
    const [kafka, single, cluster] = stack;
    return { kafka, single, cluster };
  }

  const singleAddress = () => `${stackOf().single.info.host}:${stackOf().single.info.port}`;
  const clusterAddresses = () =>
    stackOf()
      .cluster.info.nodes.slice(0, 3)
      .map((node) => `${node.host}:${node.port}`);

  /** `kf` as installed: the bin npm linked, run by its shebang. */
  const kf = <T>(project: ProjectName, args: string[]) =>
    runJson<T>(
      join(projectDir(project), 'node_modules', '.bin', 'kf'),
      [...args, '--json'],
      inProject(project, SCRIPT_TIMEOUT_MS),
    );

  interface Status {
    group: string;
    leader: { held: boolean; epoch: number | null };
    nodes: unknown[];
    work: number;
    working: number;
    errors: number;
    topics: string[];
  }
  interface Lag {
    group: string;
    topics: {
      topic: string;
      partitions: { partition: number; logEnd: number; completed: number; lag: number }[];
      totals: { queuedUnits: number; inFlightUnits: number; lag: number };
    }[];
  }

  /** A group whose node consumed everything and closed: led once, settled, nobody left. */
  function expectSettled(status: Status, group: string): void {
    expect(status).toMatchObject({
      group,
      leader: { held: false },
      nodes: [],
      work: 0,
      working: 0,
      errors: 0,
      topics: [produced.topic],
    });
    expect(status.leader.epoch).toBeGreaterThanOrEqual(1);
  }
  function expectNoLag(lag: Lag, group: string): void {
    expect(lag.group).toBe(group);
    expect(lag.topics).toEqual([
      expect.objectContaining({
        topic: produced.topic,
        totals: { queuedUnits: 0, inFlightUnits: 0, lag: 0 },
        partitions: [...produced.logEnds].map(([partition, end]) =>
          expect.objectContaining({ partition, logEnd: end, completed: end, lag: 0 }),
        ),
      }),
    ]);
  }

  describe('a strict TypeScript ESM project with @kf/consumer, @kf/redis-single, @kf/redis-cluster and @kf/cli', () => {
    test(
      'tsc type-checks and compiles it',
      async () => {
        await runProgram(
          process.execPath,
          [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
          inProject('esm', TSC_TIMEOUT_MS),
        );
        expect(existsSync(join(projectDir('esm'), 'dist', 'consume.js'))).toBe(true);
      },
      TSC_TIMEOUT_MS,
    );

    test(
      "createRedis does SET/GET on one server, the cluster adapter runs a script, node-redis's adapter is named as missing, @kf/cli imports",
      async () => {
        const { single, cluster } = stackOf();
        const result = await runJson<Record<string, unknown>>(
          process.execPath,
          [
            join('dist', 'check.js'),
            JSON.stringify({
              single: { host: single.info.host, port: single.info.port },
              cluster: cluster.info.nodes.slice(0, 3).map(({ host, port }) => ({ host, port })),
            }),
          ],
          inProject('esm', SCRIPT_TIMEOUT_MS),
        );
        expect(result).toEqual({
          topology: 'single',
          value: 'written by esm',
          cluster: { topology: 'cluster', scriptReply: 'from a script' },
          nodeRedis: {
            isKfError: true,
            code: 'KF_ADAPTER_NOT_INSTALLED',
            name: 'AdapterNotInstalledError',
            packageName: '@kf/redis-node-redis',
            wantedFor: expect.stringContaining("redis.client is 'node-redis'"),
          },
          cli: 'function',
        });
      },
      SCRIPT_TIMEOUT_MS,
    );

    test(
      'a node consumes every message, on one Redis server with kafkajs and on Redis Cluster with @platformatic/kafka; kf reports both groups',
      async () => {
        const { single } = stackOf();
        const [onSingle, onCluster] = await Promise.all([
          consume('esm', join('dist', 'consume.js'), 'esm-single', {
            host: single.info.host,
            port: single.info.port,
          }),
          consume(
            'esm',
            join('dist', 'consume.js'),
            'esm-cluster',
            { host: clusterAddresses() },
            'platformatic',
          ),
        ]);
        expectEveryMessage(onSingle);
        expectEveryMessage(onCluster);

        const flags = (group: string, redis: string) => [
          '--brokers',
          stackOf().kafka.info.brokers.join(','),
          '--redis',
          redis,
          '--group',
          group,
        ];
        const [status, lag, clusterStatus, clusterLag, version] = await Promise.all([
          kf<Status>('esm', ['status', ...flags('esm-single', singleAddress())]),
          kf<Lag>('esm', ['lag', ...flags('esm-single', singleAddress())]),
          kf<Status>('esm', ['status', ...flags('esm-cluster', clusterAddresses().join(','))]),
          kf<Lag>('esm', ['lag', ...flags('esm-cluster', clusterAddresses().join(','))]),
          runProgram(
            join(projectDir('esm'), 'node_modules', '.bin', 'kf'),
            ['--version'],
            inProject('esm', SCRIPT_TIMEOUT_MS),
          ),
        ]);
        expectSettled(status, 'esm-single');
        expectNoLag(lag, 'esm-single');
        expectSettled(clusterStatus, 'esm-cluster');
        expectNoLag(clusterLag, 'esm-cluster');
        expect(version.trim()).toBe(packedOf('@kf/cli').manifest.version);
      },
      CONSUME_TIMEOUT_MS + SCRIPT_TIMEOUT_MS,
    );
  });

  describe('a CommonJS project with @kf/consumer, @kf/redis-node-redis and @kf/cli', () => {
    test(
      'tsc checks its // @ts-check JavaScript (checkJs)',
      async () => {
        await runProgram(
          process.execPath,
          [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
          inProject('cjs', TSC_TIMEOUT_MS),
        );
        // checkJs proves something only if the files are checked: a wrong call must fail.
        writeFileSync(
          join(projectDir('cjs'), 'wrong.cjs'),
          "// @ts-check\nconst { createNode } = require('@kf/consumer');\nvoid createNode({ redis: 6379 }, 'topic');\n",
        );
        try {
          await expect(
            runProgram(
              process.execPath,
              [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
              inProject('cjs', TSC_TIMEOUT_MS),
            ),
          ).rejects.toThrow(/wrong\.cjs\(3,/);
        } finally {
          rmSync(join(projectDir('cjs'), 'wrong.cjs'));
        }
      },
      2 * TSC_TIMEOUT_MS,
    );

    test(
      'require: createRedis does SET/GET through node-redis, a config error is a typed kf error, @kf/cli loads',
      async () => {
        const { single } = stackOf();
        const result = await runJson<Record<string, unknown>>(
          process.execPath,
          ['check.cjs', JSON.stringify({ host: single.info.host, port: single.info.port })],
          inProject('cjs', SCRIPT_TIMEOUT_MS),
        );
        expect(result).toEqual({
          topology: 'single',
          value: 'written by cjs',
          config: {
            isKfError: true,
            code: 'KF_CONFIG_INVALID',
            paths: expect.arrayContaining(['redis.groupName', 'conf.consumeStep']),
          },
          cli: 'function',
        });
      },
      SCRIPT_TIMEOUT_MS,
    );

    test(
      'a node on node-redis consumes every message; kf, given a config file, reports the group',
      async () => {
        const { single, kafka } = stackOf();
        const redis = { host: single.info.host, port: single.info.port, client: 'node-redis' };
        expectEveryMessage(await consume('cjs', 'consume.cjs', 'cjs-node-redis', redis));

        // The README's way to reach a group on node-redis: the whole config in a file.
        writeFileSync(
          join(projectDir('cjs'), 'kf.json'),
          JSON.stringify({
            bootstrapBrokers: kafka.info.brokers,
            redis: { ...redis, groupName: 'cjs-node-redis' },
          }),
        );
        const [status, lag] = await Promise.all([
          kf<Status>('cjs', ['status', '--config', 'kf.json']),
          kf<Lag>('cjs', ['lag', '--config', 'kf.json']),
        ]);
        expectSettled(status, 'cjs-node-redis');
        expectNoLag(lag, 'cjs-node-redis');
      },
      CONSUME_TIMEOUT_MS + SCRIPT_TIMEOUT_MS,
    );
  });
});
