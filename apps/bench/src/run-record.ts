import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Figure } from './figures.js';

// dist/ of apps/bench, three levels under the repository's root.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where a full run writes its figures and chart unless told otherwise. */
export const DEFAULT_JSON = 'docs/bench-figures.json';
export const DEFAULT_CHART = 'docs/bench-chart.svg';

/**
 * A path as the user means it: relative to where they ran `pnpm bench` (pnpm runs the
 * script in apps/bench and says where it was called from in INIT_CWD); the defaults
 * relative to the repository's root.
 */
export function outputPath(path: string, isDefault: boolean): string {
  return resolve(isDefault ? REPO_ROOT : (process.env.INIT_CWD ?? process.cwd()), path);
}

/** A run's figures as written to `--json`, enough to draw its chart again. */
export interface RunRecord {
  /** When the run ended, ISO 8601. */
  date: string;
  /** The commit the run was built from (`git describe --always --dirty`), when known. */
  commit?: string;
  /** A `--quick` run: small counts, one round, a look rather than figures to keep. */
  quick: boolean;
  /** The options the run had, as commander parsed them. */
  options: Record<string, unknown>;
  figures: Figure[];
  notes: string[];
}

/** The checkout's commit, or undefined outside a git checkout. */
export async function currentCommit(cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['describe', '--always', '--dirty'], {
      cwd,
    });
    return stdout.trim() || undefined;
  } catch (error) {
    // No git (ENOENT) or not a checkout (128): the record says less, the run is no worse.
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 128) return undefined;
    throw error;
  }
}

export async function writeRecord(path: string, record: RunRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
}

export async function readRecord(path: string): Promise<RunRecord> {
  const record = JSON.parse(await readFile(path, 'utf8')) as Partial<RunRecord>;
  if (!Array.isArray(record.figures) || typeof record.date !== 'string') {
    throw new Error(`${path} is not a bench run's figures (written by kf-bench --json)`);
  }
  return record as RunRecord;
}
