import type { Options } from 'tsup';

/**
 * The one build shape every package shares: ESM + CJS + declarations for each,
 * targeting the Node version in `engines`. Packages spread it and add only what
 * differs (extra entries, a banner for a CLI).
 */
export const baseConfig = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
} satisfies Options;
