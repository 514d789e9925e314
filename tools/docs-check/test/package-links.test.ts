import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked, type Tokens } from 'marked';
import { describe, expect, test } from 'vitest';
import { repoRoot } from './support/docs.js';

interface Manifest {
  name: string;
  private?: boolean;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as Manifest;

/** The repository every package points at, from the root manifest: one place to change it. */
const rootRepository = readManifest('.').repository?.url ?? '';
const web = /^git\+(https:\/\/github\.com\/[^/]+\/[^/]+)\.git$/.exec(rootRepository)?.[1];

/** The packages a release publishes, by folder. */
const publicPackages = readdirSync(join(repoRoot, 'packages'))
  .map((entry) => join('packages', entry))
  .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
  .filter((dir) => readManifest(dir).private !== true);

/** Every link and image target of a Markdown file, in tables and lists too. */
function linkTargets(file: string): string[] {
  const targets: string[] = [];
  marked.walkTokens(marked.lexer(readFileSync(join(repoRoot, file), 'utf8')), (token) => {
    if (token.type === 'link' || token.type === 'image') {
      targets.push((token as Tokens.Link | Tokens.Image).href);
    }
  });
  return targets;
}

describe('what a package page on the registry links to', () => {
  test('the root manifest names the repository as a git+https GitHub URL', () => {
    expect(rootRepository).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    expect(publicPackages.length).toBeGreaterThanOrEqual(7);
  });

  test.each(publicPackages)(
    '%s names the repository, its folder in it, and where to report bugs',
    (dir) => {
      expect(readManifest(dir)).toMatchObject({
        repository: { type: 'git', url: rootRepository, directory: dir },
        homepage: `${web}/tree/main/${dir}#readme`,
        bugs: { url: `${web}/issues` },
      });
    },
  );

  test.each(publicPackages)(
    "%s's README links only absolutely, and its links into the repository reach files that exist",
    (dir) => {
      const targets = linkTargets(join(dir, 'README.md'));
      expect(targets.length).toBeGreaterThan(0);
      // A relative link resolves against the registry's page, not the repository: broken there.
      const relative = targets.filter((t) => !/^(https?:|mailto:|#)/.test(t));
      expect(relative, 'relative links').toEqual([]);
      const intoRepository = new RegExp(`^${web}/(?:blob|tree)/main/([^#?]+)`);
      const missing = targets
        .map((t) => intoRepository.exec(t)?.[1])
        .filter((path): path is string => path !== undefined)
        .filter((path) => !existsSync(join(repoRoot, path)));
      expect(missing, 'links to repository paths that do not exist').toEqual([]);
    },
  );
});
