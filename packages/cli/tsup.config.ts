import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// The library entry (config loading, the program) and the `kf` binary.
export default defineConfig({ ...baseConfig, entry: ['src/index.ts', 'src/cli.ts'] });
