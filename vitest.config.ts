import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

interface Workspace {
  name: string;
  dir: string;
}

// Paths are taken from this file's folder: package scripts run vitest from their own.
const repoRoot = import.meta.dirname;

const workspaces: Workspace[] = ['packages', 'apps', 'tools'].flatMap((group) =>
  existsSync(join(repoRoot, group))
    ? readdirSync(join(repoRoot, group))
        .map((entry) => join(repoRoot, group, entry))
        .filter((dir) => existsSync(join(dir, 'package.json')))
        .map((dir) => ({
          dir,
          name: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string })
            .name,
        }))
    : [],
);

// Tests import the workspace packages by name and run on their sources, so no build is
// needed first: each `@kf/x` resolves to `src/index.ts`, and `@kf/x/sub` to `src/sub`.
const alias = workspaces
  .filter((w) => existsSync(join(w.dir, 'src', 'index.ts')))
  .flatMap((w) => [
    { find: new RegExp(`^${w.name}$`), replacement: resolve(w.dir, 'src/index.ts') },
    { find: new RegExp(`^${w.name}/(.+)$`), replacement: `${resolve(w.dir, 'src')}/$1` },
  ]);

// KF_IOREDIS=5 runs every test on ioredis 5 instead of 6: the ioredis adapters install
// it as the alias `ioredis5` to prove the older half of their peer range.
const ioredisAlias =
  process.env.KF_IOREDIS === '5'
    ? [
        {
          find: /^ioredis$/,
          replacement: createRequire(join(repoRoot, 'packages/redis-single/package.json')).resolve(
            'ioredis5',
          ),
        },
      ]
    : [];

// Each package's run leaves a JSON report; scripts/test.sh sums them into one closing line.
const reportName =
  (process.env.npm_package_name ?? 'workspace').replace(/[@/]/g, '_') +
  (process.env.KF_IOREDIS ? `_ioredis${process.env.KF_IOREDIS}` : '') +
  (process.env.KF_TEST_LINE ? `_node${process.env.KF_TEST_LINE}` : '') +
  (process.env.KF_KAFKA_CLIENT ? `_${process.env.KF_KAFKA_CLIENT}` : '');

export default defineConfig({
  resolve: { alias: [...ioredisAlias, ...alias] },
  test: {
    reporters: [
      'default',
      ['json', { outputFile: join(repoRoot, '.test-results', `${reportName}.json`) }],
    ],
    // Service-backed tests start real servers; on two cores they run one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    projects: [
      ...workspaces
        .filter((w) => existsSync(join(w.dir, 'test')))
        .map((w) => ({
          extends: true as const,
          // `*.ci.faults.ts`: the fault scenarios short enough for every run.
          test: {
            name: w.name,
            root: w.dir,
            include: ['test/**/*.test.ts', 'test/faults/**/*.ci.faults.ts'],
            // A package may share servers between its files (started once per run).
            ...(existsSync(join(w.dir, 'test', 'support', 'shared-kafka.ts'))
              ? { globalSetup: [join(w.dir, 'test', 'support', 'shared-kafka.ts')] }
              : {}),
          },
        })),
      // Fault scenarios take minutes: `pnpm test:faults` runs them, apart from `pnpm test`.
      ...workspaces
        .filter((w) => existsSync(join(w.dir, 'test', 'faults')))
        .map((w) => ({
          extends: true as const,
          test: { name: `${w.name}:faults`, root: w.dir, include: ['test/faults/**/*.faults.ts'] },
        })),
    ],
  },
});
