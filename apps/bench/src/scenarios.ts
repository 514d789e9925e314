import type { Kafka } from 'kafkajs';
import { preload, producePaced } from './produce.js';
import type { ConsumerSpec, Contender } from './protocol.js';
import { sampleRedis } from './redis-stats.js';
import { type RunResult, runConsumers } from './run-consumers.js';

export interface BenchContext {
  kafka: Kafka;
  brokers: string[];
  redis: { host: string; port: number };
  /** Distinguishes this run's topics and groups from earlier ones on the same stack. */
  runId: string;
  log(line: string): void;
}

export interface Figure {
  scenario: string;
  measure: string;
  kf: number;
  kafkajs?: number;
  unit: string;
  goal: string;
  met: boolean;
  note?: string;
}

function spec(
  ctx: BenchContext,
  contender: Contender,
  topic: string,
  group: string,
  fields: Partial<ConsumerSpec> = {},
): (i: number) => ConsumerSpec {
  return (i) => ({
    contender,
    id: `${group}-${i}`,
    brokers: ctx.brokers,
    redis: `${ctx.redis.host}:${ctx.redis.port}`,
    group,
    topic,
    concurrency: 4,
    handlerDelayMs: 0,
    ...fields,
  });
}

const rate = (r: RunResult) => (r.messages / r.elapsedMs) * 1_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** P1 and P4: throughput on 8 partitions of 1 KiB messages, and kf's Redis cost. */
export async function throughput(ctx: BenchContext, messages: number): Promise<Figure[]> {
  const topic = `bench-p1-${ctx.runId}`;
  ctx.log(`P1: preloading ${messages} × 1 KiB on 8 partitions`);
  await preload(ctx.kafka, { topic, partitions: 8, count: messages, size: 1_024 });
  ctx.log('P1: kafkajs consumer group, 2 processes');
  const js = await runConsumers({
    processes: 2,
    spec: spec(ctx, 'kafkajs', topic, `bench-p1-js-${ctx.runId}`, { concurrency: 8 }),
    target: messages,
    capMs: 300_000,
  });
  ctx.log('P1: kf, 2 processes');
  const before = await sampleRedis(ctx.redis);
  const kf = await runConsumers({
    processes: 2,
    spec: spec(ctx, 'kf', topic, `bench-p1-kf-${ctx.runId}`),
    target: messages,
    capMs: 300_000,
  });
  const after = await sampleRedis(ctx.redis);
  const mb = (r: RunResult) => r.bytes / 1_048_576 / (r.elapsedMs / 1_000);
  const perUnit = (after.calls - before.calls) / Math.max(1, kf.units);
  const cpuShare = ((after.cpuSeconds - before.cpuSeconds) / (kf.elapsedMs / 1_000)) * 100;
  return [
    {
      scenario: 'P1 8 partitions, 1 KiB, no-op, 2 processes',
      measure: 'msgs/s',
      kf: rate(kf),
      kafkajs: rate(js),
      unit: 'msgs/s',
      goal: 'kf ≥ 1.5× kafkajs',
      met: rate(kf) >= 1.5 * rate(js),
    },
    {
      scenario: 'P1',
      measure: 'MB/s',
      kf: mb(kf),
      kafkajs: mb(js),
      unit: 'MB/s',
      goal: 'kf ≥ 1.5× kafkajs',
      met: mb(kf) >= 1.5 * mb(js),
    },
    {
      scenario: 'P4 Redis cost (during P1)',
      measure: 'commands per unit',
      kf: perUnit,
      unit: 'commands',
      goal: 'a few per unit',
      met: perUnit <= 10,
      note: `${kf.units} units, ${after.calls - before.calls} commands`,
    },
    {
      scenario: 'P4',
      measure: 'Redis CPU',
      kf: cpuShare,
      unit: '% of a core',
      goal: 'reported',
      met: true,
    },
  ];
}

/** P2: one partition, a handler that awaits 1 ms per message. */
export async function slowHandler(ctx: BenchContext, messages: number): Promise<Figure[]> {
  const topic = `bench-p2-${ctx.runId}`;
  ctx.log(`P2: preloading ${messages} small messages on 1 partition`);
  await preload(ctx.kafka, { topic, partitions: 1, count: messages, size: 100 });
  const slow = { handlerDelayMs: 1 };
  ctx.log('P2: kafkajs consumer group, 4 processes (capped at 20 s)');
  const js = await runConsumers({
    processes: 4,
    spec: spec(ctx, 'kafkajs', topic, `bench-p2-js-${ctx.runId}`, slow),
    target: messages,
    capMs: 20_000,
  });
  ctx.log('P2: kf, 1 process × concurrency 8 (the scaling baseline)');
  const one = await runConsumers({
    processes: 1,
    spec: spec(ctx, 'kf', topic, `bench-p2-kf1-${ctx.runId}`, {
      ...slow,
      concurrency: 8,
      kfConf: { consumeStep: 1_000 },
    }),
    target: messages,
    capMs: 60_000,
  });
  ctx.log('P2: kf, 4 processes × concurrency 8');
  const four = await runConsumers({
    processes: 4,
    spec: spec(ctx, 'kf', topic, `bench-p2-kf4-${ctx.runId}`, {
      ...slow,
      concurrency: 8,
      kfConf: { consumeStep: 1_000 },
    }),
    target: messages,
    capMs: 60_000,
  });
  const scaling = rate(four) / (4 * rate(one));
  return [
    {
      scenario: 'P2 1 partition, 1 ms handler, 4 processes',
      measure: 'msgs/s',
      kf: rate(four),
      kafkajs: rate(js),
      unit: 'msgs/s',
      goal: 'kf ≥ 20× kafkajs',
      met: rate(four) >= 20 * rate(js),
    },
    {
      scenario: 'P2',
      measure: 'scaling 1 → 4 processes',
      kf: scaling,
      unit: '× linear',
      goal: '≥ 0.8× linear',
      met: scaling >= 0.8,
      note: `1 process: ${rate(one).toFixed(0)} msgs/s`,
    },
  ];
}

/** P3: produce → handler latency at about 1000 msgs/s, default settings. */
export async function latency(ctx: BenchContext, durationMs: number): Promise<Figure[]> {
  const results: Record<Contender, { p50: number; p99: number }> = {
    kf: { p50: 0, p99: 0 },
    kafkajs: { p50: 0, p99: 0 },
  };
  for (const contender of ['kafkajs', 'kf'] as const) {
    const topic = `bench-p3-${contender}-${ctx.runId}`;
    const admin = ctx.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();
    ctx.log(`P3: ${contender}, 2 processes, 1000 msgs/s for ${durationMs / 1000} s`);
    let production: Promise<number> = Promise.resolve(0);
    const run = await runConsumers({
      processes: 2,
      spec: spec(ctx, contender, topic, `bench-p3-${contender}-${ctx.runId}`),
      target: Number.POSITIVE_INFINITY,
      capMs: durationMs + 3_000,
      onReady: async () => {
        // Once the group settled; consumption is measured while production runs.
        await new Promise((r) => setTimeout(r, 2_000));
        production = producePaced(ctx.kafka, { topic, rate: 1_000, durationMs });
      },
    });
    const produced = await production;
    const sorted = run.latenciesMs.sort((a, b) => a - b);
    results[contender] = { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
    ctx.log(`P3: ${contender} handled ${run.messages} of ${produced} produced`);
  }
  return [
    {
      scenario: 'P3 latency at 1000 msgs/s, defaults',
      measure: 'p50',
      kf: results.kf.p50,
      kafkajs: results.kafkajs.p50,
      unit: 'ms',
      goal: 'kf p50 ≤ 100 ms',
      met: results.kf.p50 <= 100,
    },
    {
      scenario: 'P3',
      measure: 'p99',
      kf: results.kf.p99,
      kafkajs: results.kafkajs.p99,
      unit: 'ms',
      goal: 'kf p99 ≤ 500 ms',
      met: results.kf.p99 <= 500,
    },
  ];
}
