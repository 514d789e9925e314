import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// An app run by Node directly: ESM only; the node process is its own entry, forked.
export default defineConfig({
  ...baseConfig,
  entry: ['src/cli.ts', 'src/node-process.ts'],
  format: ['esm'],
  dts: false,
});
