#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import { scriptArgs, startKafka, startRedisSingle, withDryRun } from '@kf/devstack';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatReport, succeeded } from './report.js';
import { type ExampleOptions, runExample } from './run-example.js';

const log = (line: string) => console.error(`example: ${line}`);

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

type Flags = Omit<ExampleOptions, 'brokers' | 'redis' | 'onProgress' | 'signal'>;

function withRunFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--messages <n>', 'messages to produce').argParser(positive).default(100_000),
    )
    .addOption(
      new Option('--nodes <n>', 'node processes on the group').argParser(positive).default(3),
    )
    .addOption(
      new Option('--partitions <n>', 'partitions of the topic').argParser(positive).default(8),
    )
    .addOption(
      new Option('--concurrency <n>', 'units in flight per node').argParser(positive).default(4),
    )
    .addOption(
      new Option('--rate <n>', 'messages per second (0: as fast as possible)')
        .argParser(positive)
        .default(0),
    )
    .addOption(
      new Option('--timeout-ms <n>', 'give up after this long')
        .argParser(positive)
        .default(120_000),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve each node metrics in Prometheus format: node i on port + i, at /metrics (0: off)',
      )
        .argParser(positive)
        .default(0),
    )
    .addOption(
      new Option('--topic <name>', 'topic to create and use').default(`kf-example-${Date.now()}`),
    )
    .addOption(new Option('--group <name>', 'consumer group').default(`kf-example-${Date.now()}`));
}

/** Runs the example until done or SIGTERM/SIGINT, prints the report, sets the exit code. */
async function runAndReport(brokers: string[], redis: string, flags: Flags): Promise<boolean> {
  const interrupt = new AbortController();
  const onSignal = (signal: string) => {
    log(`${signal}: closing the nodes gracefully`);
    interrupt.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  log(
    `${flags.nodes} nodes, ${flags.messages} messages on ${flags.partitions} partitions of ${flags.topic}`,
  );
  if (flags.metricsPort > 0) {
    const last = flags.metricsPort + flags.nodes - 1;
    log(`metrics in Prometheus format at http://127.0.0.1:${flags.metricsPort}..${last}/metrics`);
  }
  const report = await runExample({
    ...flags,
    brokers,
    redis,
    signal: interrupt.signal,
    onProgress: (p) =>
      log(`${(p.elapsedMs / 1000).toFixed(0)} s: produced ${p.produced}, consumed ${p.consumed}`),
  });
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  console.log(formatReport(report));
  return succeeded(report);
}

const program = withDryRun(
  new Command('kf-example').description(
    'Produce messages and consume them with several kf node processes on one group',
  ),
);

withRunFlags(
  program
    .command('run')
    .description('run against a Kafka and a Redis you already have')
    .requiredOption('--brokers <list>', "Kafka brokers, 'host:port,host:port'")
    .requiredOption('--redis <host:port>', 'a Redis server'),
).action(async (flags: Flags & { brokers: string; redis: string }) => {
  const ok = await runAndReport(flags.brokers.split(','), flags.redis, flags);
  process.exitCode = ok ? 0 : 1;
});

withRunFlags(
  program
    .command('demo')
    .description(
      'bring up Redis and one Kafka broker on loopback, run the example, bring them down',
    ),
).action(async (flags: Flags) => {
  const started = performance.now();
  log('starting Redis and Kafka on loopback');
  const [redis, kafka] = await Promise.all([startRedisSingle(), startKafka({ brokers: 1 })]);
  let ok = false;
  try {
    log(`stack up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    ok = await runAndReport(kafka.info.brokers, `${redis.info.host}:${redis.info.port}`, flags);
  } finally {
    await Promise.all([kafka.stop(), redis.stop()]);
    log('stack down');
  }
  process.exitCode = ok ? 0 : 1;
});

await program.parseAsync(scriptArgs());
