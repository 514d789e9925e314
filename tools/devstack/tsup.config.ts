import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// Private tooling run by Node directly: ESM only (its get-port dependency is ESM-only),
// with the CLI as a second entry.
export default defineConfig({
  ...baseConfig,
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
});
