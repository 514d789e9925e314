import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/docs.js';

const run = promisify(execFile);

/** Where `pnpm docs:api` writes the reference that the READMEs link to. */
const COMMITTED = join(repoRoot, 'docs', 'api');

// The CLI rather than TypeDoc's API: the test then builds exactly as `pnpm docs:api` does,
// from the same typedoc.json, with only the output folder changed.
const typedocBin = join(
  dirname(createRequire(import.meta.url).resolve('typedoc/package.json')),
  'bin',
  'typedoc',
);

/** Every file under `root`, as paths relative to it, sorted. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the API reference in docs/api', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'kf-api-reference-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('builds from the TSDoc with no warning and matches what is committed', async () => {
    // TypeDoc exits non-zero on any warning (treatWarningsAsErrors): an undocumented
    // export, a broken {@link}, a type used in the API but not exported.
    await run(process.execPath, [typedocBin, '--out', fresh], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `TypeDoc failed; fix the TSDoc it names, then run \`pnpm docs:api\`:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
      );
    });

    const expected = filesUnder(fresh);
    const committed = filesUnder(COMMITTED);
    const stale = [
      ...expected.filter((file) => !committed.includes(file)).map((file) => `missing: ${file}`),
      ...committed.filter((file) => !expected.includes(file)).map((file) => `extra: ${file}`),
      ...expected
        .filter((file) => committed.includes(file))
        .filter(
          (file) =>
            readFileSync(join(fresh, file), 'utf8') !== readFileSync(join(COMMITTED, file), 'utf8'),
        )
        .map((file) => `changed: ${file}`),
    ];
    expect(expected.length).toBeGreaterThan(0);
    expect(stale, 'docs/api is out of date with the TSDoc: run `pnpm docs:api`').toEqual([]);
  }, 120_000);
});
