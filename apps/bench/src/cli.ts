#!/usr/bin/env node
import { join } from 'node:path';
import {
  ensureKafkaJars,
  ensureNodeBinary,
  scriptArgs,
  startKafka,
  startRedisSingle,
  withDryRun,
} from '@kf/devstack';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { writeChart } from './chart.js';
import { type BenchContext, needsNodeBinary } from './context.js';
import {
  brief,
  type Figure,
  formatFigures,
  formatNotes,
  PEERS,
  type PeerName,
  type ScenarioResult,
} from './figures.js';
import { shareConsumeClasspath } from './java.js';
import { throughput } from './p1-throughput.js';
import { slowHandler } from './p2-slow-handler.js';
import { latency } from './p3-latency.js';
import { redisCeiling } from './p5-redis-ceiling.js';
import { memory } from './p6-memory.js';
import { manyPartitions } from './p7-many-partitions.js';
import { scaleOut } from './p8-scale-out.js';
import {
  currentCommit,
  DEFAULT_CHART,
  DEFAULT_JSON,
  outputPath,
  type RunRecord,
  writeRecord,
} from './run-record.js';

const log = (line: string) => console.error(`bench: ${line}`);

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function list<T extends string>(known: readonly T[]): (value: string) => T[] {
  return (value) => {
    const names = value.split(',').map((n) => n.trim());
    const unknown = names.filter((n) => !known.includes(n as T));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
    }
    return names as T[];
  };
}

const SCENARIOS = ['p1', 'p2', 'p3', 'p5', 'p6', 'p7', 'p8'] as const;

/** What --quick sets, where the option was not given: a short look, not figures to keep. */
const QUICK = {
  p1Messages: 50_000,
  p2Messages: 10_000,
  rounds: 1,
  p3Seconds: 5,
  p5Messages: 20_000,
  p6Messages: 50_000,
  p7Seconds: 5,
  p8Messages: 20_000,
} as const;

interface Flags {
  scenarios: Array<(typeof SCENARIOS)[number]>;
  peers: PeerName[];
  p1Messages: number;
  p2Messages: number;
  p3Seconds: number;
  p5Messages: number;
  p6Messages: number;
  p7Seconds: number;
  p8Messages: number;
  rounds: number;
  sharePollRecords?: number;
  quick?: boolean;
  json?: string;
  chart?: string;
}

const program = withDryRun(new Command('kf-bench'))
  .description(
    'kf against a kafkajs consumer group, Kafka’s ConsumerPerformance, a Kafka share group, @platformatic/kafka and kf on @platformatic/kafka: same broker, same machine, one run',
  )
  .addOption(
    new Option('--scenarios <list>', 'which to run (P4 is measured during P1)')
      .argParser(list(SCENARIOS))
      .default([...SCENARIOS], SCENARIOS.join(',')),
  )
  .addOption(
    new Option('--peers <list>', 'what to compare kf with')
      .argParser(list(PEERS))
      .default([...PEERS], PEERS.join(',')),
  )
  .addOption(new Option('--p1-messages <n>', 'P1 messages').argParser(count).default(500_000))
  .addOption(new Option('--p2-messages <n>', 'P2 messages').argParser(count).default(100_000))
  .addOption(
    new Option(
      '--rounds <n>',
      'rounds of each kf run, and of each peer in P1 and P2 (median reported)',
    )
      .argParser(count)
      .default(3),
  )
  .addOption(new Option('--p3-seconds <n>', 'P3 production time').argParser(count).default(20))
  .addOption(
    new Option('--p5-messages <n>', 'P5 messages at consumeStep 1 (5× that at 10)')
      .argParser(count)
      .default(100_000),
  )
  .addOption(
    new Option('--p6-messages <n>', 'P6 small backlog (the large one is 10× that)')
      .argParser(count)
      .default(500_000),
  )
  .addOption(
    new Option('--p7-seconds <n>', 'P7 production time, each partition count')
      .argParser(count)
      .default(20),
  )
  .addOption(
    new Option('--p8-messages <n>', 'P8 messages, each process count')
      .argParser(count)
      .default(100_000),
  )
  .addOption(
    new Option(
      '--share-poll-records <n>',
      'P2 share consumers’ max.poll.records (default: the partition’s record locks over the 32 consumers)',
    ).argParser(count),
  )
  .addOption(
    new Option(
      '--quick',
      `a short look: ${QUICK.p1Messages} P1 and ${QUICK.p2Messages} P2 messages, ${QUICK.rounds} round, ${QUICK.p3Seconds} s of P3, and as short for P5–P8, unless given; writes no figures or chart unless --json or --chart is given (nor does a run of some scenarios or peers only)`,
    ),
  )
  .addOption(
    new Option('--json <file>', 'write the run’s figures and notes as JSON').default(DEFAULT_JSON),
  )
  .addOption(
    new Option('--chart <file>', 'write an SVG chart of the run’s figures').default(DEFAULT_CHART),
  )
  .action(async (flags: Flags, command: Command) => {
    const isDefault = (name: string) => command.getOptionValueSource(name) === 'default';
    // Where the figures and chart go; a quick look, or a run of some scenarios or peers
    // only, does not replace a full run's.
    const partial = flags.quick || !isDefault('scenarios') || !isDefault('peers');
    const output = (name: 'json' | 'chart') =>
      partial && isDefault(name) ? undefined : outputPath(flags[name] ?? '', isDefault(name));
    const outputs = { json: output('json'), chart: output('chart') };
    if (flags.quick) {
      for (const [name, value] of Object.entries(QUICK)) {
        if (isDefault(name)) command.setOptionValue(name, value);
      }
    }
    const opts = command.opts<Flags>();
    const peers = new Set(opts.peers);
    const usesShare = peers.has('share-record_limit') || peers.has('share-batch_optimized');
    log('starting Redis and one Kafka broker on loopback');
    // A peer's set-up (a download or a compile the first time) runs while the broker starts.
    const [redis, broker, nodeBinary, kafkaLibs, shareClasspath] = await Promise.all([
      startRedisSingle(),
      startKafka({ brokers: 1 }),
      needsNodeBinary(peers) ? ensureNodeBinary({ log }) : undefined,
      peers.has('java-perf') ? ensureKafkaJars(log).then((libs) => join(libs, '*')) : undefined,
      usesShare ? shareConsumeClasspath(log) : undefined,
    ]);
    const figures: Figure[] = [];
    const notes: string[] = [];
    try {
      const ctx: BenchContext = {
        kafka: new Kafka({
          brokers: broker.info.brokers,
          clientId: 'kf-bench',
          logLevel: logLevel.NOTHING,
        }),
        brokers: broker.info.brokers,
        brokerPid: broker.processes[0]?.pid,
        redis: redis.info,
        runId: String(Date.now()),
        peers,
        nodeBinary,
        kafkaLibs,
        shareClasspath,
        sharePollRecords: opts.sharePollRecords,
        log,
      };
      const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
        ['p1', () => throughput(ctx, opts.p1Messages, opts.rounds)],
        ['p2', () => slowHandler(ctx, opts.p2Messages, opts.rounds)],
        ['p3', () => latency(ctx, opts.p3Seconds * 1_000)],
        ['p5', () => redisCeiling(ctx, opts.p5Messages)],
        ['p6', () => memory(ctx, opts.p6Messages)],
        ['p7', () => manyPartitions(ctx, opts.p7Seconds * 1_000)],
        ['p8', () => scaleOut(ctx, opts.p8Messages, opts.rounds)],
      ];
      for (const [name, run] of scenarios) {
        if (!opts.scenarios.includes(name as Flags['scenarios'][number])) continue;
        const done = await run();
        // Each scenario's figures as soon as it ends, so a later failure loses none.
        for (const f of done.figures) log(`${name}: ${brief(f)}`);
        figures.push(...done.figures);
        notes.push(...done.notes);
      }
    } finally {
      await Promise.all([broker.stop(), redis.stop()]);
    }
    if (opts.quick) notes.push('--quick: small counts and one round, a look rather than figures');
    console.log(formatFigures(figures));
    for (const line of formatNotes(notes)) console.log(line);
    const record: RunRecord = {
      date: new Date().toISOString(),
      commit: await currentCommit(process.cwd()),
      quick: opts.quick === true,
      options: { ...opts },
      figures,
      notes,
    };
    if (outputs.json) {
      await writeRecord(outputs.json, record);
      log(`figures written to ${outputs.json}`);
    }
    if (outputs.chart) {
      await writeChart(outputs.chart, record);
      log(`chart written to ${outputs.chart}`);
    }
    process.exitCode = 0;
  });

await program.parseAsync(scriptArgs());
