import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the devstack keeps its run directories, pid registry and CLI state.
 * `KF_DEVSTACK_HOME` moves it, which tests use to keep a CLI run apart from others.
 */
export function devstackHome(): string {
  const home = process.env.KF_DEVSTACK_HOME ?? join(tmpdir(), 'kf-devstack');
  mkdirSync(home, { recursive: true });
  return home;
}

/** A fresh directory for one service run: data, configs and logs of its instances. */
export function newRunDir(service: string): string {
  const runs = join(devstackHome(), 'runs');
  mkdirSync(runs, { recursive: true });
  return mkdtempSync(join(runs, `${service}-`));
}

/** The cache for downloaded artifacts (Kafka's jars), outside any work tree. */
export function cacheHome(): string {
  if (process.env.KF_CACHE_DIR) return process.env.KF_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(xdg, 'kf');
}

/** The devstack package's root, found from this module whether it runs from src/ or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'assets', 'pom.xml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('devstack: cannot find its assets/ folder');
    dir = parent;
  }
  return dir;
}

export function assetPath(name: string): string {
  return join(packageRoot(), 'assets', name);
}
