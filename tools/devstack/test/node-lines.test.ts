import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  ensureNodeLine,
  isNodeLine,
  NEWEST_LTS_LINE,
  NODE_LINES,
  NPM_VERSION,
} from '../src/index.js';

const run = promisify(execFile);

describe('Node lines', () => {
  test('are the lines in support, the newest LTS among them, and nothing older', () => {
    expect(Object.keys(NODE_LINES)).toEqual(['22', '24', '26']);
    expect(NODE_LINES[NEWEST_LTS_LINE]).toMatch(/^26\./);
    expect(isNodeLine('24')).toBe(true);
    expect(isNodeLine('20')).toBe(false);
    expect(isNodeLine('toString')).toBe(false);
  });

  // Fetched by `devstack prepare` (the bootstrap), so this finds them in the cache.
  test.each(Object.keys(NODE_LINES))(
    'line %s: its bin directory runs that release, with npm and npx on the same node',
    async (line) => {
      const bin = await ensureNodeLine(Number(line) as keyof typeof NODE_LINES);
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
      const version = NODE_LINES[Number(line) as keyof typeof NODE_LINES];
      expect((await run(join(bin, 'node'), ['--version'])).stdout.trim()).toBe(`v${version}`);
      expect((await run(join(bin, 'npm'), ['--version'], { env })).stdout.trim()).toBe(NPM_VERSION);
      expect((await run(join(bin, 'npx'), ['--version'], { env })).stdout.trim()).toBe(NPM_VERSION);
      // npm runs scripts on the node beside it, not the machine's.
      const { stdout } = await run(join(bin, 'npm'), ['exec', '--yes', '--', 'node', '--version'], {
        env,
        cwd: bin,
      });
      expect(stdout.trim()).toBe(`v${version}`);
    },
    120_000,
  );
});
