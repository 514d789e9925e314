import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const root = resolve(import.meta.dirname, 'src/index.ts');

/**
 * The Kafka testkit checks errors with `instanceof` against the classes implementations
 * throw, which they import from `@kf/protocol`; bundled into the testkit's own file those
 * classes would be copies, and every check would fail. Its imports of the package's root
 * module are left as imports of `@kf/protocol` instead (the package importing itself by
 * name, which its `exports` map allows), so both load the one root module.
 */
const rootImportedByName: EsbuildPlugin = {
  name: 'root-imported-by-name',
  setup(build) {
    build.onResolve({ filter: /(^|\/)index\.js$/ }, (args) =>
      args.importer.includes('/src/kafka-testkit/') &&
      resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === root
        ? { path: '@kf/protocol', external: true }
        : undefined,
    );
  },
};

export default defineConfig({
  ...baseConfig,
  entry: {
    index: 'src/index.ts',
    testkit: 'src/testkit/index.ts',
    'kafka-testkit': 'src/kafka-testkit/index.ts',
    'kafka-records': 'src/kafka-records/index.ts',
  },
  esbuildPlugins: [...(baseConfig.esbuildPlugins ?? []), rootImportedByName],
});
