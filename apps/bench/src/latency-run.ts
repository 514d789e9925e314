import { createTopic } from '@kf/devstack';
import type { BenchContext } from './context.js';
import { measuredRun, type RunCosts } from './measured-run.js';
import { producePaced } from './produce.js';
import type { ConsumerLauncher, RunResult } from './run-consumers.js';
import { percentile } from './stats.js';

/** Time for a group to settle before production starts, unless the caller says how. */
const SETTLE_MS = 2_000;
/** Time after production for the last messages to reach a handler. */
const DRAIN_MS = 1_000;

export interface LatencyOptions {
  topic: string;
  partitions: number;
  processes: number;
  /** Launches the consumers on `topic`; called once the topic exists. */
  launch: (topic: string) => Promise<ConsumerLauncher>;
  /** Messages a second, spread over the partitions, for `durationMs`. */
  rate: number;
  durationMs: number;
  /** Waits until the group is ready for production to start; by default `SETTLE_MS`. */
  settle?: () => Promise<void>;
}

export interface LatencyResult {
  p50: number;
  p99: number;
  produced: number;
  run: RunResult;
  /** What the span of production cost Redis, the broker and the consumers. */
  costs: RunCosts;
}

/**
 * Produce → handler latency: creates the topic, starts the consumers, lets them settle,
 * then produces small messages at a steady rate, each carrying its send time.
 */
export async function latencyRun(
  ctx: BenchContext,
  options: LatencyOptions,
): Promise<LatencyResult> {
  await createTopic(ctx.brokers, { topic: options.topic, partitions: options.partitions });
  const launch = await options.launch(options.topic);
  let production: Promise<number> = Promise.resolve(0);
  const { run, costs } = await measuredRun(ctx, {
    processes: options.processes,
    launch,
    target: Number.POSITIVE_INFINITY,
    capMs: options.durationMs + DRAIN_MS,
    onReady: async () => {
      await (options.settle?.() ?? new Promise((r) => setTimeout(r, SETTLE_MS)));
      production = producePaced(ctx.kafka, {
        topic: options.topic,
        rate: options.rate,
        durationMs: options.durationMs,
      });
    },
  });
  const produced = await production;
  const sorted = run.latenciesMs.sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), produced, run, costs };
}
