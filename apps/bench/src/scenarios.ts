import type { Kafka } from 'kafkajs';
import { preload, producePaced } from './produce.js';
import type { ConsumerSpec, Contender } from './protocol.js';
import { commandDelta, roundTrips, sampleRedis } from './redis-stats.js';
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

/** The median of `values` (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function spread(values: number[], unit: string): string {
  return `${values.length} rounds: ${values.map((v) => v.toFixed(0)).join(', ')} ${unit}`;
}

/**
 * Redis commands, and round trips of the kinds a unit costs, per second of kf's
 * background work (organiser ticks, leases, the lock, idle claims) with nothing to do.
 */
async function idleCommandRate(
  ctx: BenchContext,
  topic: string,
): Promise<{ calls: number; trips: number }> {
  const before = await sampleRedis(ctx.redis);
  const run = await runConsumers({
    processes: 2,
    spec: spec(ctx, 'kf', topic, `bench-p4-idle-${ctx.runId}`, { kfConf: { useEarliest: false } }),
    target: Number.POSITIVE_INFINITY,
    capMs: 5_000,
  });
  const after = await sampleRedis(ctx.redis);
  ctx.log(`P4 idle: Redis commands: ${commandDelta(before, after)}`);
  const perSecond = (n: number) => (n / run.elapsedMs) * 1_000;
  return {
    calls: perSecond(after.calls - before.calls),
    trips: perSecond(roundTrips(before, after)),
  };
}

/**
 * P1 and P4: throughput on 8 partitions of 1 KiB messages, in alternating rounds on the
 * same preloaded topic (each round a fresh group), and kf's Redis cost.
 */
export async function throughput(
  ctx: BenchContext,
  messages: number,
  rounds: number,
): Promise<Figure[]> {
  const topic = `bench-p1-${ctx.runId}`;
  ctx.log(`P1: preloading ${messages} × 1 KiB on 8 partitions`);
  await preload(ctx.kafka, { topic, partitions: 8, count: messages, size: 1_024 });
  const js: RunResult[] = [];
  const kf: RunResult[] = [];
  let calls = 0;
  let trips = 0;
  let cpuSeconds = 0;
  for (let round = 1; round <= rounds; round++) {
    ctx.log(`P1 round ${round}/${rounds}: kafkajs consumer group, 2 processes`);
    js.push(
      await runConsumers({
        processes: 2,
        spec: spec(ctx, 'kafkajs', topic, `bench-p1-js-${ctx.runId}-${round}`, { concurrency: 8 }),
        target: messages,
        capMs: 300_000,
      }),
    );
    ctx.log(`P1 round ${round}/${rounds}: kf, 2 processes`);
    const before = await sampleRedis(ctx.redis);
    kf.push(
      await runConsumers({
        processes: 2,
        spec: spec(ctx, 'kf', topic, `bench-p1-kf-${ctx.runId}-${round}`),
        target: messages,
        capMs: 300_000,
      }),
    );
    const after = await sampleRedis(ctx.redis);
    ctx.log(
      `P1 round ${round}: ${kf.at(-1)?.units} units; Redis commands: ${commandDelta(before, after)}`,
    );
    calls += after.calls - before.calls;
    trips += roundTrips(before, after);
    cpuSeconds += after.cpuSeconds - before.cpuSeconds;
  }
  ctx.log('P4: kf background commands with nothing to consume, 2 processes, 5 s');
  const idle = await idleCommandRate(ctx, topic);
  const kfSeconds = kf.reduce((sum, r) => sum + r.elapsedMs, 0) / 1_000;
  const units = kf.reduce((sum, r) => sum + r.units, 0);
  const perUnit = (calls - idle.calls * kfSeconds) / Math.max(1, units);
  const tripsPerUnit = (trips - idle.trips * kfSeconds) / Math.max(1, units);
  const mb = (r: RunResult) => r.bytes / 1_048_576 / (r.elapsedMs / 1_000);
  const [kfRate, jsRate] = [median(kf.map(rate)), median(js.map(rate))];
  const [kfMb, jsMb] = [median(kf.map(mb)), median(js.map(mb))];
  return [
    {
      scenario: 'P1 8 partitions, 1 KiB, no-op, 2 processes',
      measure: 'msgs/s, median',
      kf: kfRate,
      kafkajs: jsRate,
      unit: 'msgs/s',
      goal: 'kf ≥ 1.5× kafkajs',
      met: kfRate >= 1.5 * jsRate,
      note: `kf ${spread(kf.map(rate), '')}; kafkajs ${spread(js.map(rate), '')}`,
    },
    {
      scenario: 'P1',
      measure: 'MB/s, median',
      kf: kfMb,
      kafkajs: jsMb,
      unit: 'MB/s',
      goal: 'kf ≥ 1.5× kafkajs',
      met: kfMb >= 1.5 * jsMb,
    },
    {
      scenario: 'P4 Redis cost (during P1)',
      measure: 'round trips per unit',
      kf: tripsPerUnit,
      unit: 'BLMOVE + EVALSHA',
      goal: 'a few per unit',
      met: tripsPerUnit <= 4,
      note: `${units} units; background ${idle.trips.toFixed(0)}/s for 2 idle nodes taken out`,
    },
    {
      scenario: 'P4',
      measure: 'commands executed per unit',
      kf: perUnit,
      unit: 'commands, scripts’ own included',
      goal: 'reported',
      met: true,
      note: `background ${idle.calls.toFixed(0)} commands/s for 2 idle nodes taken out`,
    },
    {
      scenario: 'P4',
      measure: 'Redis CPU',
      kf: (cpuSeconds / kfSeconds) * 100,
      unit: '% of a core',
      goal: 'reported',
      met: true,
    },
  ];
}

// A 1 ms handler takes 200 ms per unit of 200: small enough that the last units of the
// run do not leave most slots idle, large enough that Redis work per unit is noise.
const UNIT_FOR_SLOW_HANDLERS = 200;

/** P2: one partition, a handler that awaits 1 ms per message. */
export async function slowHandler(
  ctx: BenchContext,
  messages: number,
  rounds: number,
): Promise<Figure[]> {
  const topic = `bench-p2-${ctx.runId}`;
  ctx.log(`P2: preloading ${messages} small messages on 1 partition`);
  await preload(ctx.kafka, { topic, partitions: 1, count: messages, size: 100 });
  const slow = { handlerDelayMs: 1 };
  ctx.log(
    'P2: kafkajs consumer group, 4 processes (capped at 20 s: one member works, at about 1 ms a message)',
  );
  const js = await runConsumers({
    processes: 4,
    spec: spec(ctx, 'kafkajs', topic, `bench-p2-js-${ctx.runId}`, slow),
    target: messages,
    capMs: 20_000,
  });
  const kfRuns = async (processes: number): Promise<number[]> => {
    const rates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      ctx.log(`P2 round ${round}/${rounds}: kf, ${processes} × concurrency 8`);
      const run = await runConsumers({
        processes,
        spec: spec(ctx, 'kf', topic, `bench-p2-kf${processes}-${ctx.runId}-${round}`, {
          ...slow,
          concurrency: 8,
          kfConf: { consumeStep: UNIT_FOR_SLOW_HANDLERS },
        }),
        target: messages,
        capMs: 60_000,
      });
      rates.push(rate(run));
    }
    return rates;
  };
  const one = await kfRuns(1);
  const four = await kfRuns(4);
  const scaling = median(four) / (4 * median(one));
  return [
    {
      scenario: 'P2 1 partition, 1 ms handler, 4 processes',
      measure: 'msgs/s, median',
      kf: median(four),
      kafkajs: rate(js),
      unit: 'msgs/s',
      goal: 'kf ≥ 20× kafkajs',
      met: median(four) >= 20 * rate(js),
      note: `kf ${spread(four, 'msgs/s')}`,
    },
    {
      scenario: 'P2',
      measure: 'scaling 1 → 4 processes',
      kf: scaling,
      unit: '× linear',
      goal: '≥ 0.8× linear',
      met: scaling >= 0.8,
      note: `1 process × 8: ${spread(one, 'msgs/s')}`,
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
