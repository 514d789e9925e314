import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

export default defineConfig({
  ...baseConfig,
  entry: { index: 'src/index.ts', testkit: 'src/testkit/index.ts' },
});
