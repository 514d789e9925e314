import { beforeAll, describe, expect, it } from 'vitest';
import { tsBlocks, tsBlocksIn } from './support/ts-blocks.js';
import {
  type BlockResult,
  staleDeclarations,
  typeCheckBlocks,
} from './support/type-check-blocks.js';

// The docs' TypeScript is compiled as a user would compile it (strict, ESM, NodeNext) against
// the packages' published declarations; a fragment states what it assumes in a
// `<!-- ts-check: … -->` comment right before its fence (see support/ts-blocks.ts).

/**
 * A doc made up to prove the check fails where it must: wrong calls, names no prelude
 * declares, a broken prelude, a prelude's module leaking to another block, a nested block.
 * Its blocks share the real blocks' Program, so proving it costs no second compile.
 */
const SYNTHETIC = [
  '# Made up', //                                                                     1
  '',
  "<!-- ts-check: import type { EachMessagePayload, KfNode } from '@kf/consumer';",
  'declare const node: KfNode;',
  'declare function eachMessage(payload: EachMessagePayload): Promise<void>; -->', //  5
  '```ts',
  'await node.run({ eachMessage }, 4);',
  '```',
  '',
  '<!-- ts-check: declare function handle(value: Buffer | null): Promise<void>; -->', // 10
  '```ts',
  'await handle(null);',
  'await forget(null);',
  '```',
  '', //                                                                              15
  '<!-- ts-check: declare const wrong: Missing; -->',
  '```ts',
  'console.log(wrong);',
  '```',
  '', //                                                                              20
  "<!-- ts-check: declare module 'my-adapter' { export function createMine(): number; } -->",
  '```ts',
  "import { createMine } from 'my-adapter';",
  'const made: number = createMine();',
  '```', //                                                                           25
  '',
  '```ts',
  "import { createMine } from 'my-adapter';",
  '```',
  '', //                                                                              30
  '- a list item',
  '',
  '  ```ts',
  '  const text: string = 1;',
  '  ```', //                                                                         35
  '',
].join('\n');

const synthetic = tsBlocksIn('made-up.md', SYNTHETIC);
const { blocks, problems } = tsBlocks();
let results: ReturnType<typeof typeCheckBlocks>;
const failuresIn = (file: string): BlockResult[] =>
  results.failures.filter((f) => f.block.file === file);

beforeAll(() => {
  results = typeCheckBlocks([...blocks, ...synthetic.blocks]);
});

describe('the TypeScript blocks of the docs', () => {
  it('are found: the scan cannot pass on none', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    expect(new Set(blocks.map((b) => b.file)).size).toBeGreaterThanOrEqual(8);
  });

  it('say what they assume in well-formed ts-check comments, and skip only with a reason', () => {
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).toEqual([]);
  });

  it('compile as written, against the packages’ built types', () => {
    expect(results.checked).toBe(
      [...blocks, ...synthetic.blocks].filter((b) => b.directive.kind !== 'skip').length,
    );
    expect(
      staleDeclarations(results.program),
      'declarations older than their sources: pnpm build',
    ).toEqual([]);
    const failures = results.failures.filter((f) => f.block.file !== 'made-up.md');
    const report = failures.map(
      ({ block, errors }) =>
        `${block.file}:${block.line} (\`\`\`ts block)\n${errors.map((e) => `  ${e.at} ${e.message}`).join('\n')}`,
    );
    expect(report.join('\n\n'), `${failures.length} block(s) do not compile`).toBe('');
  });
});

describe('the check itself', () => {
  it('fails each wrong block of a made-up doc, at the doc line of the mistake', () => {
    const found = failuresIn('made-up.md').map(({ block, errors }) => ({
      block: block.line,
      errors: errors.map(
        (e) => `${e.at.replace(/:\d+( \(ts-check comment\))?$/, '$1')} ${e.message.split(':')[0]}`,
      ),
    }));
    expect(found).toEqual([
      // A `run({ eachMessage }, concurrency)` mistake.
      { block: 6, errors: ['made-up.md:7 TS2554'] },
      // The prelude declares `handle`, not every name the block uses.
      { block: 11, errors: ['made-up.md:13 TS2304'] },
      // A prelude is compiled too: its own mistakes are reported at the comment.
      { block: 17, errors: ['made-up.md:16 (ts-check comment) TS2304'] },
      // A module a prelude declares is its block's alone.
      { block: 27, errors: ['made-up.md:28 TS2307'] },
      // Inside a list, marked strips the indentation: the line is still the doc's.
      { block: 33, errors: ['made-up.md:34 TS2322'] },
    ]);
  });

  it('rejects a skip without a reason and a comment that is not on the fence', () => {
    const doc = [
      '<!-- ts-check: skip -->',
      '```ts',
      'shown output',
      '```',
      '',
      '<!-- ts-check: skip (shown output) -->',
      '```ts',
      'shown output',
      '```',
      '',
      '<!-- ts-check: declare const x: number; -->',
      '',
      '```ts',
      'x;',
      '```',
    ].join('\n');
    const { blocks: found, problems: rejected } = tsBlocksIn('skips.md', doc);
    expect(found.map((b) => [b.line, b.directive.kind])).toEqual([
      [2, 'check'],
      [7, 'skip'],
      [13, 'check'],
    ]);
    expect(rejected.map((p) => [p.line, p.problem.split(':')[0]])).toEqual([
      [1, 'a skip needs a reason'],
      [11, 'a ts-check comment not directly followed by a ```ts block'],
    ]);
  });
});
