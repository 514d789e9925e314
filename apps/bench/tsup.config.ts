import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base.ts';

// A script run by Node directly: ESM only; the consumer process is its own entry, forked.
// Split, so a consumer process loads only its own contender's SDK (@platformatic/kafka's
// runs on a newer Node than the bench's). The charting libraries stay in node_modules,
// loaded only when a chart is drawn.
export default defineConfig({
  ...baseConfig,
  entry: ['src/cli.ts', 'src/consumer-process.ts', 'src/chart-cli.ts'],
  external: ['vega', 'vega-lite'],
  format: ['esm'],
  dts: false,
  splitting: true,
});
