import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// A script run by Node directly: ESM only; the consumer process is its own entry, forked.
export default defineConfig({
  ...baseConfig,
  entry: ['src/cli.ts', 'src/consumer-process.ts'],
  format: ['esm'],
  dts: false,
});
