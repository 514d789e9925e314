import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './docs.js';
import type { TsBlock } from './ts-blocks.js';

/**
 * Where the blocks live as far as the compiler knows: never written to disk, but inside
 * this package, so `@kf/*` and the other imports resolve through its node_modules (its
 * devDependencies) and its `"type": "module"` makes every block an ES module.
 */
const blocksDir = join(repoRoot, 'tools', 'docs-check', 'doc-blocks');
const tsconfig = join(repoRoot, 'tools', 'docs-check', 'tsconfig.json');

/** One compiler complaint, placed in the doc. */
export interface BlockError {
  /** `file:line:column` in the doc (a prelude's line is the ts-check comment's). */
  at: string;
  message: string;
}

export interface BlockResult {
  block: TsBlock;
  errors: BlockError[];
}

interface VirtualFile {
  text: string;
  block: TsBlock;
  /** Doc line of the file's first line. */
  firstLine: number;
  /** The file's line from which the block's own code starts (the prelude comes before). */
  codeFrom: number;
}

/** Text outside [start, end) blanked out, newlines kept, so line numbers stay those of the doc. */
const keepOnly = (text: string, start: number, end: number) =>
  text.slice(0, start).replace(/[^\n]/g, ' ') +
  text.slice(start, end) +
  text.slice(end).replace(/[^\n]/g, ' ');

/**
 * Splits a prelude into its own statements and the `declare module 'name' { … }` it holds:
 * such a module is given to this block alone, as a file its import of `name` resolves to
 * (declared in the block itself it would be a module augmentation, which needs the module
 * to exist).
 */
function splitPrelude(prelude: string): { own: string; modules: Map<string, string> } {
  const source = ts.createSourceFile('prelude.ts', prelude, ts.ScriptTarget.Latest, true);
  const modules = new Map<string, string>();
  let own = prelude;
  for (const statement of source.statements) {
    if (
      ts.isModuleDeclaration(statement) &&
      ts.isStringLiteral(statement.name) &&
      statement.body &&
      ts.isModuleBlock(statement.body)
    ) {
      const body = statement.body;
      modules.set(statement.name.text, keepOnly(prelude, body.getStart() + 1, body.getEnd() - 1));
      const [start, end] = [statement.getStart(), statement.getEnd()];
      own = own.slice(0, start) + own.slice(start, end).replace(/[^\n]/g, ' ') + own.slice(end);
    }
  }
  return { own, modules };
}

const compilerOptions = (): ts.CompilerOptions => {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  // A block is a module whatever it holds, as a file of a user's ESM package would be.
  return { ...parsed.options, noEmit: true, moduleDetection: ts.ModuleDetectionKind.Force };
};

/**
 * Type-checks every block in one Program, each as its own file, against the packages'
 * built declarations, and returns the blocks the compiler complains about.
 */
export function typeCheckBlocks(blocks: TsBlock[]): {
  failures: BlockResult[];
  program: ts.Program;
  checked: number;
} {
  const options = compilerOptions();
  const files = new Map<string, VirtualFile>();
  const stubs = new Map<string, Map<string, string>>(); // block file → specifier → stub file
  const roots: string[] = [];

  for (const block of blocks) {
    if (block.directive.kind === 'skip') continue;
    const name = join(blocksDir, `${block.file.replace(/[/\\.]/g, '_')}_L${block.line}.ts`);
    let prelude = '';
    let firstLine = block.line + 1;
    if (block.directive.kind === 'prelude') {
      const { own, modules } = splitPrelude(block.directive.text);
      prelude = `${own}\n`;
      firstLine = block.directive.line;
      const byName = new Map<string, string>();
      let n = 0;
      for (const [specifier, text] of modules) {
        const stub = name.replace(/\.ts$/, `.module${n++}.d.ts`);
        files.set(stub, { text, block, firstLine, codeFrom: Number.POSITIVE_INFINITY });
        byName.set(specifier, stub);
      }
      stubs.set(name, byName);
    }
    const codeFrom = prelude.split('\n').length - 1;
    files.set(name, { text: prelude + block.text, block, firstLine, codeFrom });
    roots.push(name);
  }

  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const virtual = files.get(fileName);
    return virtual
      ? ts.createSourceFile(fileName, virtual.text, languageVersion, true)
      : getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => files.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => files.get(fileName)?.text ?? readFile.call(host, fileName);

  const cache = ts.createModuleResolutionCache(
    host.getCurrentDirectory(),
    (f) => host.getCanonicalFileName(f),
    options,
  );
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, containing) =>
    literals.map((literal) => {
      const stub = stubs.get(containingFile)?.get(literal.text);
      if (stub)
        return {
          resolvedModule: {
            resolvedFileName: stub,
            extension: ts.Extension.Dts,
            isExternalLibraryImport: false,
          },
        };
      return ts.resolveModuleName(
        literal.text,
        containingFile,
        opts,
        host,
        cache,
        redirected,
        ts.getModeForUsageLocation(containing, literal, opts),
      );
    });

  const program = ts.createProgram({ rootNames: roots, options, host });

  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0)
    throw new Error(
      ts.formatDiagnostics(global, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => repoRoot,
        getNewLine: () => '\n',
      }),
    );

  const byBlock = new Map<TsBlock, BlockError[]>();
  for (const [fileName, virtual] of files) {
    const source = program.getSourceFile(fileName);
    if (!source) throw new Error(`the program lost ${fileName}`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    const errors = byBlock.get(virtual.block) ?? [];
    for (const d of diagnostics) {
      const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0);
      const inCode = line >= virtual.codeFrom;
      const docLine = inCode
        ? virtual.block.line + 1 + (line - virtual.codeFrom)
        : virtual.firstLine + line;
      errors.push({
        at: `${virtual.block.file}:${docLine}:${character + 1}${inCode ? '' : ' (ts-check comment)'}`,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      });
    }
    byBlock.set(virtual.block, errors);
  }

  const failures = [...byBlock]
    .filter(([, errors]) => errors.length > 0)
    .map(([block, errors]) => ({ block, errors }));
  return { failures, program, checked: roots.length };
}

/**
 * Workspace declarations the program read that are older than their package's sources:
 * the blocks were checked against types that may no longer hold (`pnpm build` first; turbo
 * does it before `pnpm test`).
 */
export function staleDeclarations(program: ts.Program): string[] {
  const newest = (dir: string): number => {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) return 0;
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(
      0,
      ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map(
        (f) => statSync(join(dir, f)).mtimeMs,
      ),
    );
  };
  const stale: string[] = [];
  for (const source of program.getSourceFiles()) {
    const path = relative(repoRoot, source.fileName);
    const match = /^((?:packages|apps|tools)\/[^/]+)\/dist\/[^/]+\.d\.[cm]?ts$/.exec(path);
    if (!match?.[1]) continue;
    if (newest(join(repoRoot, match[1], 'src')) > statSync(source.fileName).mtimeMs)
      stale.push(path);
  }
  return stale;
}
