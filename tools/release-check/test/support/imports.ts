import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/**
 * Module specifiers in built code and declarations: `import … from '…'` and
 * `export … from '…'` statements, `import '…'`, `import('…')` and `require('…')`. The
 * bundles are tsup's output, where these forms are the only way a module is reached.
 */
const SPECIFIERS = [
  /^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** The packages `files` (relative to `dir`) reach, by name; Node's own modules left out. */
export function packagesImported(dir: string, files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const [, specifier] of SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)])) {
      if (specifier === undefined || specifier.startsWith('.')) continue;
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return [...names].sort();
}
