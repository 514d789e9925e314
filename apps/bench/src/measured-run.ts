import type { BenchContext } from './context.js';
import { processCpuSeconds } from './process-cpu.js';
import { commandDelta, type RedisSample, roundTrips, sampleRedis } from './redis-stats.js';
import { type RunOptions, type RunResult, runConsumers } from './run-consumers.js';

/** What a run cost the machine's shared parts, per second of the measured span. */
export interface RunCosts {
  /** Redis commands, scripts' own included. */
  commandsPerSecond: number;
  /** Client round trips of the kinds a unit costs (BLMOVE, EVALSHA). */
  tripsPerSecond: number;
  /** CPU of Redis, the broker and the consumer processes together, in % of one core. */
  redisCpu: number;
  brokerCpu: number;
  nodeCpu: number;
  /** Redis commands by name over the span, for the log. */
  commands: string;
}

/** Redis and the broker at one moment. */
export interface SharedSample {
  redis: RedisSample;
  brokerCpuSeconds: number;
}

async function sampleShared(ctx: BenchContext): Promise<SharedSample> {
  const [redis, brokerCpuSeconds] = await Promise.all([
    sampleRedis(ctx.redis),
    ctx.brokerPid === undefined ? Number.NaN : processCpuSeconds(ctx.brokerPid),
  ]);
  return { redis, brokerCpuSeconds };
}

/**
 * Runs consumers as `runConsumers` does, and samples Redis and the broker at `from` (as
 * the clock starts, or once all are ready and the caller's `onReady` returned) and again
 * at the end, before they stop.
 */
export async function sampledRun(
  ctx: BenchContext,
  options: RunOptions,
  from: 'onStart' | 'onReady',
): Promise<{ run: RunResult; before: SharedSample; after: SharedSample }> {
  let before: SharedSample | undefined;
  let after: SharedSample | undefined;
  const run = await runConsumers({
    ...options,
    [from]: async () => {
      await options[from]?.();
      before = await sampleShared(ctx);
    },
    onEnd: async () => {
      after = await sampleShared(ctx);
      await options.onEnd?.();
    },
  });
  if (!before || !after) throw new Error('bench: a measured run ended before its samples');
  return { run, before, after };
}

/**
 * `sampledRun` from all ready: the span over which the consumer processes' CPU is counted
 * too, start-up and close left out.
 */
export async function measuredRun(
  ctx: BenchContext,
  options: RunOptions,
): Promise<{ run: RunResult; costs: RunCosts }> {
  const { run, before, after } = await sampledRun(ctx, options, 'onReady');
  const perSecond = (n: number) => (n / run.cpu.spanMs) * 1_000;
  return {
    run,
    costs: {
      commandsPerSecond: perSecond(after.redis.calls - before.redis.calls),
      tripsPerSecond: perSecond(roundTrips(before.redis, after.redis)),
      redisCpu: perSecond(after.redis.cpuSeconds - before.redis.cpuSeconds) * 100,
      brokerCpu: perSecond(after.brokerCpuSeconds - before.brokerCpuSeconds) * 100,
      nodeCpu: perSecond(run.cpu.seconds) * 100,
      commands: commandDelta(before.redis, after.redis),
    },
  };
}

/**
 * Consumer processes with nothing to consume: they start, `settle`, and are measured
 * for `windowMs`; what the organiser, leases and idle claims cost.
 */
export async function idleCosts(
  ctx: BenchContext,
  options: Pick<RunOptions, 'processes' | 'launch'> & {
    settle: () => Promise<void>;
    windowMs: number;
  },
): Promise<RunCosts> {
  const { costs } = await measuredRun(ctx, {
    processes: options.processes,
    launch: options.launch,
    target: Number.POSITIVE_INFINITY,
    capMs: options.windowMs,
    onReady: options.settle,
  });
  return costs;
}

/** A span's CPU split, for a note: `Redis 12 %, broker 80 %, consumers 95 % of a core`. */
export function describeCpu(costs: RunCosts): string {
  const pct = (n: number) => `${n.toFixed(0)} %`;
  return `CPU: Redis ${pct(costs.redisCpu)}, broker ${pct(costs.brokerCpu)}, consumer processes ${pct(costs.nodeCpu)} of one core (2 cores in all)`;
}
