import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Manifest, WorkspacePackage } from './workspace.js';
import { repoRoot } from './workspace.js';

const run = promisify(execFile);

export interface Packed {
  name: string;
  tarball: string;
  /** The tarball unpacked: `<dir>/package.json`, `<dir>/dist/…`. */
  dir: string;
  /** Every file of the tarball, relative to its `package/` folder. */
  files: string[];
  manifest: Manifest;
}

/** pnpm and turbo as the workspace runs them: corepack's pnpm, no prompt. */
const pnpmEnv = {
  ...process.env,
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
};

/**
 * Builds `packages` through turbo: when `dist/` is already the build of the current
 * sources (the test command built everything first), it is left as it is. A rebuild
 * empties `dist/` first, and the other test lane's node processes import these packages'
 * `dist/`.
 */
export async function build(packages: WorkspacePackage[], timeoutMs: number): Promise<void> {
  await run(
    'pnpm',
    [
      'exec',
      'turbo',
      'run',
      'build',
      ...packages.map(({ manifest }) => `--filter=${manifest.name}`),
      '--output-logs=errors-only',
    ],
    { cwd: repoRoot, env: pnpmEnv, timeout: timeoutMs },
  );
}

/**
 * `pnpm pack`, as `pnpm publish` packs (it rewrites `workspace:` ranges to versions), into
 * `into`, then unpacked beside the tarball for the test to read.
 */
export async function pack(
  pkg: WorkspacePackage,
  into: string,
  timeoutMs: number,
): Promise<Packed> {
  const destination = join(into, pkg.manifest.name.replace('@', '').replace('/', '-'));
  mkdirSync(destination, { recursive: true });
  await run('pnpm', ['pack', '--pack-destination', destination], {
    cwd: pkg.dir,
    env: pnpmEnv,
    timeout: timeoutMs,
  });
  const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'));
  if (tarballs.length !== 1 || tarballs[0] === undefined) {
    throw new Error(`pnpm pack of ${pkg.manifest.name} left ${tarballs.join(', ') || 'nothing'}`);
  }
  const tarball = join(destination, tarballs[0]);
  await run('tar', ['-xzf', tarball, '-C', destination], { timeout: timeoutMs });
  const dir = join(destination, 'package');
  return {
    name: pkg.manifest.name,
    tarball,
    dir,
    files: listFiles(dir).map((file) => relative(dir, file)),
    manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
