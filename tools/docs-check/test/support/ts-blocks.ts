import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';
import { docFiles, repoRoot } from './docs.js';

/**
 * What a block says about itself, in an HTML comment on the line right before its fence:
 *
 * - `<!-- ts-check: TEXT -->`: TEXT is TypeScript prepended to the block, to declare what a
 *   fragment assumes (`declare const node: Node;`). A `declare module 'name' { … }` in it
 *   becomes a module that only this block's `import … from 'name'` resolves to.
 * - `<!-- ts-check: skip (reason) -->`: the block is not a TypeScript program (a value as
 *   printed, pseudo-code); the reason is required.
 */
export type Directive =
  | { kind: 'check' }
  | { kind: 'prelude'; text: string; line: number }
  | { kind: 'skip'; reason: string; line: number };

export interface TsBlock {
  /** The doc, relative to the repository's root. */
  file: string;
  /** 1-based line of the opening fence in the doc; the code starts on the next line. */
  line: number;
  text: string;
  directive: Directive;
}

/** A `ts-check` comment the check cannot honour: it must fail, not be ignored. */
export interface DirectiveProblem {
  file: string;
  line: number;
  problem: string;
}

const TS_LANGS = new Set(['ts', 'typescript']);
const DIRECTIVE = /^<!--\s*ts-check:([\s\S]*?)-->\s*$/;
const SKIP = /^skip\b\s*(?:\((.*)\))?\s*$/s;

function parseDirective(html: string, line: number): Directive | { problem: string } | undefined {
  const match = DIRECTIVE.exec(html.trim());
  if (!match) return undefined;
  // Kept untrimmed: the prelude's first line is the comment's, which keeps lines exact.
  const text = match[1] ?? '';
  const body = text.trim();
  const skip = SKIP.exec(body);
  if (skip) {
    const reason = (skip[1] ?? '').trim();
    return reason
      ? { kind: 'skip', reason, line }
      : { problem: 'a skip needs a reason: <!-- ts-check: skip (why this is not a program) -->' };
  }
  if (!body) return { problem: 'an empty ts-check comment: give a prelude or skip (reason)' };
  return { kind: 'prelude', text, line };
}

const lineAt = (source: string, offset: number) => source.slice(0, offset).split('\n').length;

/**
 * Every ```ts / ```typescript block of one doc, with its line and directive.
 *
 * Lines come from the tokens' `raw` text: top-level tokens concatenate to the source, so
 * their offsets are exact; inside a list or quote marked strips the indentation, so a
 * nested token is found by its first line, searching on from its container's start.
 */
export function tsBlocksIn(
  file: string,
  source: string,
): { blocks: TsBlock[]; problems: DirectiveProblem[] } {
  const blocks: TsBlock[] = [];
  const problems: DirectiveProblem[] = [];

  const walk = (tokens: Token[] | undefined, start: number) => {
    let cursor = start;
    let pending: { directive: Directive | { problem: string }; line: number } | undefined;
    const unclaimed = () => {
      if (pending)
        problems.push({
          file,
          line: pending.line,
          problem: 'a ts-check comment not directly followed by a ```ts block',
        });
      pending = undefined;
    };
    for (const token of tokens ?? []) {
      let at: number;
      if (source.startsWith(token.raw, cursor)) {
        at = cursor;
        cursor += token.raw.length;
      } else {
        const first = token.raw.split('\n')[0] ?? '';
        const found = source.indexOf(first, cursor);
        at = found === -1 ? cursor : found;
        cursor = at + first.length;
      }
      if (token.type === 'space') {
        unclaimed();
        continue;
      }
      if (token.type === 'html') {
        unclaimed();
        const line = lineAt(source, at);
        const directive = parseDirective((token as Tokens.HTML).text, line);
        if (directive) pending = { directive, line };
        continue;
      }
      if (
        token.type === 'code' &&
        TS_LANGS.has(((token as Tokens.Code).lang ?? '').split(/\s/)[0] ?? '')
      ) {
        const line = lineAt(source, at);
        const claimed = pending?.directive ?? { kind: 'check' };
        let directive: Directive = { kind: 'check' };
        if ('problem' in claimed)
          problems.push({ file, line: pending?.line ?? line, problem: claimed.problem });
        else directive = claimed;
        pending = undefined;
        blocks.push({ file, line, text: (token as Tokens.Code).text, directive });
        continue;
      }
      unclaimed();
      const nested = token as { tokens?: Token[]; items?: Token[] };
      walk(nested.items, at);
      walk(nested.tokens, at);
    }
    unclaimed();
  };

  walk(marked.lexer(source), 0);
  return { blocks, problems };
}

/** The TypeScript blocks of every doc `docFiles()` lists. */
export function tsBlocks(): { blocks: TsBlock[]; problems: DirectiveProblem[] } {
  const all = docFiles().map((file) =>
    tsBlocksIn(file, readFileSync(join(repoRoot, file), 'utf8')),
  );
  return { blocks: all.flatMap((d) => d.blocks), problems: all.flatMap((d) => d.problems) };
}
