import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// @kf/ioredis-shared is private source shared with @kf/redis-cluster: it is bundled in,
// code and declarations (the path mapping makes the declaration bundler treat it as
// this package's own source rather than an external library), so users install this
// one package.
export default defineConfig({
  ...baseConfig,
  noExternal: ['@kf/ioredis-shared'],
  dts: {
    compilerOptions: { paths: { '@kf/ioredis-shared': ['../ioredis-shared/src/index.ts'] } },
  },
});
