import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';

/** The repository's root: tests read its docs and run its commands from there. */
export const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

/** Every Markdown file a user reads: the READMEs, BENCHMARKS.md and docs/. */
export function docFiles(): string[] {
  const inFolder = (folder: string, file: string) =>
    readdirSync(join(repoRoot, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(folder, entry.name, file));
  const docs = readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md'));
  return [
    'README.md',
    'BENCHMARKS.md',
    ...docs.map((name) => join('docs', name)),
    ...['packages', 'apps', 'tools'].flatMap((folder) => inFolder(folder, 'README.md')),
  ].filter((path) => {
    try {
      readFileSync(join(repoRoot, path));
      return true;
    } catch {
      return false;
    }
  });
}

export interface CodeSpan {
  /** The doc, relative to the repository's root. */
  file: string;
  /** A fenced block's language (`sh`, `ts`, …); `inline` for a code span in prose. */
  lang: string;
  text: string;
}

/** Every fenced block and inline code span of a doc, in order. */
export function codeSpans(file: string): CodeSpan[] {
  const path = join(repoRoot, file);
  const spans: CodeSpan[] = [];
  const visit = (tokens: Token[] | undefined) => {
    for (const token of tokens ?? []) {
      if (token.type === 'code') {
        const code = token as Tokens.Code;
        spans.push({ file: relative(repoRoot, path), lang: code.lang ?? '', text: code.text });
      } else if (token.type === 'codespan') {
        spans.push({ file, lang: 'inline', text: (token as Tokens.Codespan).text });
      }
      const nested = token as { tokens?: Token[]; items?: Token[] };
      visit(nested.tokens);
      visit(nested.items);
      if (token.type === 'table') {
        const table = token as Tokens.Table;
        for (const cell of [...table.header, ...table.rows.flat()]) visit(cell.tokens);
      }
    }
  };
  visit(marked.lexer(readFileSync(path, 'utf8')));
  return spans;
}
