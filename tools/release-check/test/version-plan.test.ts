import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { repoRoot, workspacePackages } from './support/workspace.js';

const run = promisify(execFile);

interface PlannedRelease {
  name: string;
  type: 'none' | 'patch' | 'minor' | 'major';
  oldVersion: string;
  newVersion: string;
}

const publicPackages = workspacePackages().filter((pkg) => pkg.manifest.private !== true);
const publicNames = publicPackages.map((pkg) => pkg.manifest.name).sort();

describe('the next release, as `pnpm version-packages` would make it', () => {
  const out = mkdtempSync(join(tmpdir(), 'kf-version-plan-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** `changeset status --output`: the versions `changeset version` would write, without writing them. */
  async function plan(): Promise<PlannedRelease[]> {
    const file = join(out, 'plan.json');
    await run(join(repoRoot, 'node_modules', '.bin', 'changeset'), ['status', `--output=${file}`], {
      cwd: repoRoot,
    });
    return (JSON.parse(readFileSync(file, 'utf8')) as { releases: PlannedRelease[] }).releases;
  }

  test('every public package gets one and the same version, still 0.x while kf is', async () => {
    const planned = new Map((await plan()).map((r) => [r.name, r]));
    // With no changeset pending, the release is the versions the manifests hold now.
    const next = publicPackages.map((pkg) => ({
      name: pkg.manifest.name,
      oldVersion: pkg.manifest.version,
      newVersion: planned.get(pkg.manifest.name)?.newVersion ?? pkg.manifest.version,
    }));
    const versions = new Set(next.map((r) => r.newVersion));
    expect([...versions], 'one version for every public package (changesets "fixed")').toHaveLength(
      1,
    );
    // A minor of @kf/protocol leaves the adapters' `^0.x` peer range; changesets would
    // make that a major bump (1.0.0). Under 1.0 the breaking bump is the minor: the patch
    // in patches/ makes it so for packages still at 0.x.
    expect(
      next.filter((r) => r.oldVersion.startsWith('0.') && !r.newVersion.startsWith('0.')),
    ).toEqual([]);
  }, 60_000);

  test('the fixed group is exactly the public packages', () => {
    const config = JSON.parse(
      readFileSync(join(repoRoot, '.changeset', 'config.json'), 'utf8'),
    ) as {
      fixed: string[][];
    };
    expect(config.fixed.map((group) => [...group].sort())).toEqual([publicNames]);
  });

  test('private packages are never versioned', async () => {
    const releases = await plan();
    const privateReleases = releases.filter(
      (r) => !publicNames.includes(r.name) && r.type !== 'none',
    );
    expect(privateReleases).toEqual([]);
  }, 60_000);
});
