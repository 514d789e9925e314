#!/usr/bin/env node
import { startKafka, startRedisSingle } from '@kf/devstack';
import Table from 'cli-table3';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { type BenchContext, type Figure, latency, slowHandler, throughput } from './scenarios.js';

const log = (line: string) => console.error(`bench: ${line}`);

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

const SCENARIOS = ['p1', 'p2', 'p3'] as const;

const program = new Command('kf-bench')
  .description('kf against a kafkajs consumer group: same broker, same machine, one run')
  .addOption(
    new Option('--scenarios <list>', 'which to run (P4 is measured during P1)').default(
      SCENARIOS.join(','),
    ),
  )
  .addOption(new Option('--p1-messages <n>', 'P1 messages').argParser(count).default(500_000))
  .addOption(new Option('--p2-messages <n>', 'P2 messages').argParser(count).default(100_000))
  .addOption(
    new Option('--rounds <n>', 'rounds of each kf run, and of kafkajs in P1 (median reported)')
      .argParser(count)
      .default(3),
  )
  .addOption(new Option('--p3-seconds <n>', 'P3 production time').argParser(count).default(20))
  .action(
    async (flags: {
      scenarios: string;
      p1Messages: number;
      p2Messages: number;
      p3Seconds: number;
      rounds: number;
    }) => {
      const wanted = flags.scenarios.split(',');
      log('starting Redis and one Kafka broker on loopback');
      const [redis, broker] = await Promise.all([startRedisSingle(), startKafka({ brokers: 1 })]);
      const figures: Figure[] = [];
      try {
        const ctx: BenchContext = {
          kafka: new Kafka({
            brokers: broker.info.brokers,
            clientId: 'kf-bench',
            logLevel: logLevel.NOTHING,
          }),
          brokers: broker.info.brokers,
          redis: redis.info,
          runId: String(Date.now()),
          log,
        };
        const scenarios: Array<[string, () => Promise<Figure[]>]> = [
          ['p1', () => throughput(ctx, flags.p1Messages, flags.rounds)],
          ['p2', () => slowHandler(ctx, flags.p2Messages, flags.rounds)],
          ['p3', () => latency(ctx, flags.p3Seconds * 1_000)],
        ];
        for (const [name, run] of scenarios) {
          if (!wanted.includes(name)) continue;
          const done = await run();
          // Each scenario's figures as soon as it ends, so a later failure loses none.
          log(`${name}: ${done.map(brief).join('; ')}`);
          figures.push(...done);
        }
      } finally {
        await Promise.all([broker.stop(), redis.stop()]);
      }
      console.log(formatFigures(figures));
      process.exitCode = 0;
    },
  );

function brief(f: Figure): string {
  const peer = f.kafkajs === undefined ? '' : `, kafkajs ${f.kafkajs.toFixed(1)}`;
  return `${f.measure} kf ${f.kf.toFixed(1)}${peer} ${f.unit}`;
}

function formatFigures(figures: Figure[]): string {
  const table = new Table({
    head: ['scenario', 'measure', 'kf', 'kafkajs', 'kf / kafkajs', 'goal', 'met'],
    style: { head: [], border: [] },
  });
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  for (const f of figures) {
    table.push([
      f.scenario,
      `${f.measure} (${f.unit})`,
      fmt(f.kf),
      f.kafkajs === undefined ? '' : fmt(f.kafkajs),
      f.kafkajs === undefined ? '' : `${(f.kf / f.kafkajs).toFixed(2)}×`,
      f.goal,
      `${f.met ? 'yes' : 'NO'}${f.note ? ` (${f.note})` : ''}`,
    ]);
  }
  return table.toString();
}

await program.parseAsync();
