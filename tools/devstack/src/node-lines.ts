import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureNodeBinary, ensurePackage } from './node-binary.js';
import { cacheHome } from './paths.js';

/**
 * The Node lines kf supports, each at the exact release its tests run on: the lines in
 * support (Node 20 reached its end of life in April 2026).
 */
export const NODE_LINES = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' } as const;

export type NodeLine = keyof typeof NODE_LINES;

/** The line the whole test suite runs on: the newest LTS. */
export const NEWEST_LTS_LINE: NodeLine = 26;

/**
 * The npm that runs on every line. The node packages ship `bin/node` alone, and the
 * machine's own npm 10 fails installs under Node 26 (`ERESOLVE … Found: ioredis@undefined`
 * in the release test), so each line gets this one beside its binary.
 */
export const NPM_VERSION = '11.21.2';

export function isNodeLine(value: string): boolean {
  return Object.hasOwn(NODE_LINES, value);
}

/**
 * A line's `bin` directory, holding `node`, `npm` and `npx` that run on that line: put
 * it first on `PATH` to run anything (pnpm included) there. Fetched once, then cached.
 */
export async function ensureNodeLine(
  line: NodeLine,
  log?: (line: string) => void,
): Promise<string> {
  const node = await ensureNodeBinary({ version: NODE_LINES[line], log });
  const npmDir = join(cacheHome(), 'npm', NPM_VERSION);
  await ensurePackage(`npm@${NPM_VERSION}`, npmDir, { what: `npm ${NPM_VERSION}`, log });
  const bin = dirname(node);
  for (const [command, script] of [
    ['npm', 'npm-cli.js'],
    ['npx', 'npx-cli.js'],
  ] as const) {
    writeShim(
      join(bin, command),
      `#!/bin/sh\nexec "$(dirname "$0")/node" "${join(npmDir, 'bin', script)}" "$@"\n`,
    );
  }
  return bin;
}

/** Written only when different, so lines in use by another process are left alone. */
function writeShim(path: string, text: string): void {
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
    writeFileSync(path, text, { mode: 0o755 });
  }
}
