import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codeSpans, docFiles, repoRoot } from './support/docs.js';

const run = promisify(execFile);

/**
 * The repository scripts whose command lines the docs show with options: each is run as
 * written, with `KF_CLI_DRY_RUN=1` so it prints what it parsed and stops before acting.
 */
const RUNNERS = [
  /^pnpm demo\b/,
  /^pnpm bench(:chart)?\b/,
  /^node apps\/(example|bench)\/dist\/(cli|chart-cli)\.js\b/,
];

/** A line as a user would type it: no prompt, no trailing comment. */
const asTyped = (line: string) =>
  line
    .replace(/^\$\s+/, '')
    .replace(/\s+#.*$/, '')
    .trim();

interface Documented {
  file: string;
  line: string;
}

function documentedCommands(): Documented[] {
  const found: Documented[] = [];
  for (const file of docFiles()) {
    for (const span of codeSpans(file)) {
      if (!['sh', 'bash', 'shell', 'inline'].includes(span.lang)) continue;
      for (const raw of span.text.split('\n')) {
        const line = asTyped(raw);
        if (RUNNERS.some((runner) => runner.test(line))) found.push({ file, line });
      }
    }
  }
  // The same line in two docs is run once.
  return found.filter((d, i) => found.findIndex((other) => other.line === d.line) === i);
}

/** `--name value`, `--name=value` and bare `--flag` (true) pairs of a command line. */
function givenOptions(line: string): Array<[string, string | true]> {
  const words = line.split(/\s+/);
  const given: Array<[string, string | true]> = [];
  words.forEach((word, i) => {
    if (!word.startsWith('--') || word === '--') return;
    const [name, inline] = word.slice(2).split('=', 2) as [string, string | undefined];
    const next = words[i + 1];
    const value = inline ?? (next !== undefined && !next.startsWith('--') ? next : true);
    given.push([name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()), value]);
  });
  return given;
}

/** A parsed option as the docs write it: lists comma-joined. */
const written = (value: unknown) =>
  Array.isArray(value) ? value.join(',') : value === true ? true : String(value);

const commands = documentedCommands();

describe('documented command lines', () => {
  it('finds the command lines the READMEs and BENCHMARKS.md document', () => {
    const lines = commands.map((c) => c.line);
    // The lines users copy first: if the scan stopped finding them, the test below would
    // pass on nothing.
    expect(lines.some((l) => l.startsWith('pnpm demo') && l.includes('--nodes'))).toBe(true);
    expect(lines.some((l) => l.startsWith('pnpm bench') && l.includes('--scenarios'))).toBe(true);
    expect(lines.some((l) => l.startsWith('node apps/example/dist/cli.js run'))).toBe(true);
  });

  it.each(commands.map((c) => [`${c.file}: ${c.line}`, c] as const))(
    'parses as written: %s',
    async (_name, { line }) => {
      const { stdout } = await run('bash', ['-c', line], {
        cwd: repoRoot,
        env: { ...process.env, KF_CLI_DRY_RUN: '1' },
        timeout: 120_000,
      });
      const parsed = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { command: string; options: Record<string, unknown> })
        .at(-1);
      expect(parsed, `no parsed options printed; stdout:\n${stdout}`).toBeDefined();
      for (const [name, value] of givenOptions(line)) {
        expect(written(parsed?.options[name]), `--${name}`).toBe(value);
      }
    },
  );
});
