import type { BenchContext } from './context.js';
import { cpuBetween, sampleCpu } from './cpu-sampler.js';
import { consumerPerformance, type PerfResult } from './java-perf.js';
import { sampledRun } from './measured-run.js';
import type { RunOptions, RunResult } from './run-consumers.js';
import { rate } from './stats.js';

/** One round of a contender: its rate, and the CPU used over the span the rate is over. */
export interface CpuRound {
  msgsPerSec: number;
  /** The span the rate is over, and the CPU. */
  spanMs: number;
  /** CPU seconds of the contender's own processes, the broker and Redis over `spanMs`. */
  own: number;
  broker: number;
  redis: number;
  /** Where the CPU is sampled apart from the span: how far apart the samples either side of its start and its end are. */
  gapsMs?: readonly [number, number];
}

/**
 * Node consumers, with their CPU, the broker's and Redis's counted from the clock's start
 * (the first process ready) to the end: the span of the run's messages a second.
 */
export async function timedRun(
  ctx: BenchContext,
  options: RunOptions,
): Promise<{ run: RunResult; cpu: CpuRound }> {
  const { run, before, after } = await sampledRun(ctx, options, 'onStart');
  return {
    run,
    cpu: {
      msgsPerSec: rate(run),
      spanMs: run.elapsedMs,
      own: run.timedCpuSeconds,
      broker: after.brokerCpuSeconds - before.brokerCpuSeconds,
      redis: after.redis.cpuSeconds - before.redis.cpuSeconds,
    },
  };
}

/**
 * Kafka's ConsumerPerformance, with the CPU of its JVM (all its threads) and of the broker
 * read from /proc every 200 ms: its span (`start.time` → `end.time`) is known only from
 * its output, so the CPU at each end is interpolated between the samples either side. One
 * more sample is read as its figures arrive, printed after it closed its consumer, before
 * it exits: the sample after `end.time` when the JVM exits within 200 ms of it.
 */
export async function perfRound(
  ctx: BenchContext,
  options: Omit<Parameters<typeof consumerPerformance>[0], 'onSpawn'>,
): Promise<{ result: PerfResult; cpu: CpuRound }> {
  let sampler: ReturnType<typeof sampleCpu> | undefined;
  const result = await consumerPerformance({
    ...options,
    onSpawn: (child) => {
      if (child.pid === undefined) return;
      const running = sampleCpu(
        ctx.brokerPid === undefined ? [child.pid] : [child.pid, ctx.brokerPid],
      );
      child.stdout?.on('data', () => running.take());
      sampler = running;
    },
  });
  const span = cpuBetween(sampler?.stop() ?? [], result.startMs, result.endMs);
  return {
    result,
    cpu: {
      msgsPerSec: result.msgsPerSec,
      spanMs: result.endMs - result.startMs,
      own: span?.seconds[0] ?? Number.NaN,
      broker: span?.seconds[1] ?? Number.NaN,
      redis: Number.NaN,
      gapsMs: span?.gapsMs ?? [Number.NaN, Number.NaN],
    },
  };
}
