import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheHome } from './paths.js';

const run = promisify(execFile);

/**
 * The Node release fetched when none is named: the newest 24.x when it was chosen. Exact,
 * so a machine that fetched it once finds it in the cache without asking the registry.
 */
export const DEFAULT_NODE_VERSION = '24.22.3';

/** A Node binary could not be fetched, or the one fetched does not run as that version. */
export class NodeBinaryError extends Error {
  override readonly name = 'NodeBinaryError';
  readonly code = 'KF_DEVSTACK_NODE_BINARY';
}

export interface NodeBinaryOptions {
  /** An exact release, `24.22.3`; default {@link DEFAULT_NODE_VERSION}. */
  version?: string;
  log?: (line: string) => void;
}

/**
 * The npm package that ships this machine's Node binary as `bin/node`: the packages the
 * `node` package itself installs from, one per platform and CPU.
 */
export function nodePackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  if (!['linux', 'darwin'].includes(platform) || !['x64', 'arm64'].includes(arch)) {
    throw new NodeBinaryError(
      `no Node binary package for ${platform}-${arch}: the registry's node-<platform>-<cpu> packages cover linux and darwin on x64 and arm64`,
    );
  }
  return `node-${platform}-${arch}`;
}

/** Where a release's binary is kept once fetched (`KF_CACHE_DIR` or `XDG_CACHE_HOME` move it). */
export function nodeBinaryPath(version: string = DEFAULT_NODE_VERSION): string {
  return join(nodeReleaseDir(checkedVersion(version)), 'bin', 'node');
}

/**
 * A Node binary of the given release, for code that needs another Node than the one
 * running: the package {@link nodePackageName} fetched once from the npm registry into
 * `~/.cache/kf/node/<version>/` (see {@link ensurePackage}), checked to run as that
 * release.
 */
export async function ensureNodeBinary(options: NodeBinaryOptions = {}): Promise<string> {
  const version = checkedVersion(options.version ?? DEFAULT_NODE_VERSION);
  const dir = nodeReleaseDir(version);
  await ensurePackage(`${nodePackageName()}@${version}`, dir, {
    what: `Node ${version}`,
    log: options.log,
    verify: async (unpacked) => {
      const { stdout } = await run(join(unpacked, 'bin', 'node'), ['--version']);
      if (stdout.trim() !== `v${version}`) {
        throw new NodeBinaryError(
          `${nodePackageName()}@${version} ships a binary that says it is ${stdout.trim()}, not v${version}`,
        );
      }
    },
  });
  return join(dir, 'bin', 'node');
}

/**
 * An npm package unpacked into `dir`, fetched once (`npm pack`, so the registry's
 * integrity check applies); later calls find the completed directory and return at
 * once, offline. The package is unpacked aside first, so an interrupted fetch is never
 * taken for a complete one.
 */
export async function ensurePackage(
  spec: string,
  dir: string,
  options: {
    what: string;
    log?: (line: string) => void;
    verify?: (unpacked: string) => Promise<void>;
  },
): Promise<void> {
  const stamp = join(dir, '.complete');
  if (existsSync(stamp)) return;
  options.log?.(`fetching ${options.what} (${spec}) from the npm registry into ${dir}`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const packed = await npm(['pack', spec, '--json', '--pack-destination', partial], partial);
    const [tarball] = JSON.parse(packed) as Array<{ filename: string }>;
    if (!tarball) throw new NodeBinaryError(`npm pack ${spec} named no tarball: ${packed}`);
    await run('tar', ['-xzf', join(partial, tarball.filename), '-C', partial]);
    const unpacked = join(partial, 'package');
    await options.verify?.(unpacked);
    writeFileSync(join(unpacked, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      // Another process completed the same package meanwhile: theirs is as good.
      if (!existsSync(stamp)) throw error;
    }
  } catch (error) {
    if (error instanceof NodeBinaryError) throw error;
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new NodeBinaryError(
      `fetching ${spec} failed: ${(error as Error).message}\n${stdout}${stderr}`,
      {
        cause: error,
      },
    );
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

function checkedVersion(version: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new NodeBinaryError(
      `Node version "${version}" is not an exact release such as ${DEFAULT_NODE_VERSION}`,
    );
  }
  return version;
}

function nodeReleaseDir(version: string): string {
  return join(cacheHome(), 'node', version);
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, {
    cwd,
    timeout: 10 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
