#!/usr/bin/env node
import { scriptArgs, withDryRun } from '@kf/devstack';
import { Command, Option } from 'commander';
import { writeChart } from './chart.js';
import { DEFAULT_CHART, DEFAULT_JSON, outputPath, readRecord } from './run-record.js';

// Draws the chart of a run again from the figures it wrote (kf-bench --json), as when
// the chart's look changes and the run need not be repeated.
const program = withDryRun(new Command('kf-bench-chart'))
  .description('draws the SVG chart of a bench run from its figures (kf-bench --json)')
  .addOption(new Option('--json <file>', 'the run’s figures').default(DEFAULT_JSON))
  .addOption(new Option('--chart <file>', 'where to write the chart').default(DEFAULT_CHART))
  .action(async (flags: { json: string; chart: string }, command: Command) => {
    const path = (name: 'json' | 'chart') =>
      outputPath(flags[name], command.getOptionValueSource(name) === 'default');
    const record = await readRecord(path('json'));
    await writeChart(path('chart'), record);
    console.error(`kf-bench-chart: ${record.figures.length} figures → ${path('chart')}`);
  });

await program.parseAsync(scriptArgs());
