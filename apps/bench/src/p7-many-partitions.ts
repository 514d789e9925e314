import { createTopic } from '@kf/devstack';
import { type BenchContext, nodeContender } from './context.js';
import type { Figure, ScenarioResult } from './figures.js';
import { untilGroupCoversPartitions } from './kf-group-state.js';
import { latencyRun } from './latency-run.js';
import { describeCpu, idleCosts, type RunCosts } from './measured-run.js';

const PROCESSES = 2;
const MANY = 1_000;
const FEW = 4;
const RATE = 200;
/** The most a new group may take to look at every partition once. */
const COVER_CAP_MS = 60_000;
/** After that, time for the first ticks' follow-up work to pass before measuring. */
const SETTLE_MS = 2_000;
// Two of the leader's 5 s commits and one 10 s metadata refresh fall in it, whatever the phase.
const IDLE_WINDOW_MS = 10_000;

interface Shape {
  idle: RunCosts;
  p50: number;
  p99: number;
  /** Redis commands a second while producing at `RATE`. */
  busyCommands: number;
}

/** Idle costs and latency of 2 kf nodes on one topic of `partitions` partitions. */
async function measureShape(
  ctx: BenchContext,
  partitions: number,
  durationMs: number,
): Promise<{ shape: Shape; notes: string[] }> {
  const name = `bench-p7-${partitions}-${ctx.runId}`;
  ctx.log(`P7: ${partitions} partitions, ${PROCESSES} idle kf nodes`);
  // The latency run below finds the topic there, empty, and starts a group of its own.
  await createTopic(ctx.brokers, { topic: name, partitions });
  // Measures start once the group has looked at every partition, and a little after.
  const covered: number[] = [];
  const settle = (group: string) => async () => {
    covered.push(await untilGroupCoversPartitions(ctx, group, partitions, COVER_CAP_MS));
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  };
  const idle = await idleCosts(ctx, {
    processes: PROCESSES,
    launch: nodeContender(ctx, 'kf', name, `${name}-idle`),
    settle: settle(`${name}-idle`),
    windowMs: IDLE_WINDOW_MS,
  });
  ctx.log(`P7 ${partitions} partitions, idle: Redis commands: ${idle.commands}`);
  ctx.log(`P7: ${partitions} partitions, ${RATE} msgs/s for ${durationMs / 1_000} s`);
  const latency = await latencyRun(ctx, {
    topic: name,
    partitions,
    processes: PROCESSES,
    launch: async (topic) => nodeContender(ctx, 'kf', topic, name),
    rate: RATE,
    durationMs,
    settle: settle(name),
  });
  const took = covered.map((ms) => `${(ms / 1_000).toFixed(1)} s`).join(' and ');
  return {
    shape: {
      idle,
      p50: latency.p50,
      p99: latency.p99,
      busyCommands: latency.costs.commandsPerSecond,
    },
    notes: [
      `P7 ${partitions} partitions: a new group saved every partition's offset ${took} after its nodes were ready; idle ${describeCpu(idle)}; at ${RATE} msgs/s handled ${latency.run.messages} of ${latency.produced} produced, ${describeCpu(latency.costs)}`,
      ...latency.run.notes,
    ],
  };
}

/**
 * P7: one topic of 1000 partitions against one of 4, in the same run: what the
 * organiser's ticks cost when nothing happens (Redis commands and round trips, the
 * nodes' CPU) and produce → handler latency at a low rate spread over every partition.
 */
export async function manyPartitions(
  ctx: BenchContext,
  durationMs: number,
): Promise<ScenarioResult> {
  const many = await measureShape(ctx, MANY, durationMs);
  const few = await measureShape(ctx, FEW, durationMs);
  const m = many.shape;
  const f = few.shape;
  const row = (measure: string, unit: string, of: (s: Shape) => number): Figure => ({
    scenario: 'P7',
    measure,
    unit,
    kf: of(m),
    better: 'lower',
    peers: [{ peer: 'kf', label: `kf, ${FEW} partitions`, value: of(f) }],
  });
  const figures: Figure[] = [
    {
      ...row('Redis commands, 2 idle nodes', 'commands/s', (s) => s.idle.commandsPerSecond),
      scenario: `P7 ${MANY} partitions, ${PROCESSES} processes, against ${FEW}`,
    },
    row('client round trips, 2 idle nodes', 'BLMOVE + EVALSHA /s', (s) => s.idle.tripsPerSecond),
    row('kf processes’ CPU, idle, together', '% of a core', (s) => s.idle.nodeCpu),
    row('Redis CPU, idle', '% of a core', (s) => s.idle.redisCpu),
    row(`Redis commands at ${RATE} msgs/s`, 'commands/s', (s) => s.busyCommands),
    row(`p50 at ${RATE} msgs/s`, 'ms', (s) => s.p50),
    row(`p99 at ${RATE} msgs/s`, 'ms', (s) => s.p99),
  ];
  return { figures, notes: [...many.notes, ...few.notes] };
}
