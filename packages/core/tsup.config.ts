import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

/**
 * Inlines `import source from './x.lua?raw'` as a string, as Vite does in tests, so the
 * Lua scripts ship inside the bundle and nothing reads files at run time.
 */
const rawText: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

export default defineConfig({ ...baseConfig, esbuildPlugins: [rawText] });
