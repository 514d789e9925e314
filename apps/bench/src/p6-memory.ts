import { type BenchContext, nodeContender } from './context.js';
import type { Figure, ScenarioResult } from './figures.js';
import { preload } from './produce.js';
import { type RunResult, runConsumers } from './run-consumers.js';
import { rate } from './stats.js';

const PROCESSES = 2;
const PARTITIONS = 8;
const MESSAGE_BYTES = 100;
/** The large backlog is this many times the small one. */
const GROWTH = 10;
/** How long the drained processes stay, idle, before their resident set is read again. */
const HOLD_MS = 3_000;
/** RSS at the large backlog over RSS at the small one, at most: buffers do not grow with it. */
const GOAL_GROWTH = 1.2;
const RUN_CAP_MS = 300_000;

const MIB = 1_048_576;
const peak = (r: RunResult) => Math.max(...r.peakRssBytes) / MIB;
const earlyPeak = (r: RunResult) => Math.max(...r.earlyPeakRssBytes) / MIB;
const held = (r: RunResult) => Math.max(...r.heldRssBytes) / MIB;
const peakHeap = (r: RunResult) => Math.max(...r.peakHeapTotalBytes) / MIB;
/** V8 heap in use after a full collection, drained: what a process still holds. */
const live = (r: RunResult) => Math.max(...r.collected.map((c) => c.heapUsedBytes)) / MIB;

type Who = 'kf' | 'kafkajs';

/**
 * P6: each consumer process's resident set (`process.memoryUsage.rss()`, sampled every
 * 200 ms by the process) while it drains a backlog, and after, for two backlogs `GROWTH`
 * apart: bounded buffers keep the peak where it is whatever the backlog.
 */
export async function memory(ctx: BenchContext, messages: number): Promise<ScenarioResult> {
  const backlogs = [messages, messages * GROWTH];
  const contenders: Who[] = ctx.peers.has('kafkajs') ? ['kafkajs', 'kf'] : ['kf'];
  const runs = new Map<Who, RunResult[]>(contenders.map((who) => [who, []]));
  const notes: string[] = [];
  for (const count of backlogs) {
    const topic = `bench-p6-${count}-${ctx.runId}`;
    ctx.log(`P6: preloading ${count} × ${MESSAGE_BYTES} B on ${PARTITIONS} partitions`);
    await preload(ctx, { topic, partitions: PARTITIONS, count, size: MESSAGE_BYTES });
    for (const who of contenders) {
      ctx.log(`P6: ${who}, ${PROCESSES} processes, a backlog of ${count}`);
      const run = await runConsumers({
        processes: PROCESSES,
        // As in P1: kafkajs handles up to 8 partitions at once; kf runs its defaults.
        launch: nodeContender(ctx, who, topic, `bench-p6-${who}-${count}-${ctx.runId}`, {
          concurrency: who === 'kafkajs' ? 8 : 4,
        }),
        target: count,
        capMs: RUN_CAP_MS,
        holdMs: HOLD_MS,
        // The large backlog's first `messages`: as far as the small one goes, with more ahead.
        earlyMessages: messages,
      });
      runs.get(who)?.push(run);
      const mib = (bytes: number[]) => bytes.map((b) => (b / MIB).toFixed(0)).join(', ');
      notes.push(
        `P6 ${who}, backlog ${count}: ${rate(run).toFixed(0)} msgs/s${run.capped ? ' (capped)' : ''}; RSS MiB per process: peak ${mib(run.peakRssBytes)}, over the first ${messages} messages ${mib(run.earlyPeakRssBytes)}, ${HOLD_MS / 1_000} s after ${mib(run.heldRssBytes)}; V8 heap MiB: peak reserved ${mib(run.peakHeapTotalBytes)}, in use after a full collection ${mib(run.collected.map((c) => c.heapUsedBytes))} (RSS then ${mib(run.collected.map((c) => c.rssBytes))})`,
      );
    }
  }
  const js = runs.get('kafkajs') as [RunResult, RunResult] | undefined;
  const [small, large] = runs.get('kf') as [RunResult, RunResult];
  const [smallCount, largeCount] = backlogs.map((n) =>
    n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`,
  );
  // Each measure of kf's two runs, beside the same of kafkajs's when it ran.
  const row = (
    measure: string,
    unit: string,
    of: (runs: [RunResult, RunResult]) => number,
  ): Figure => ({
    scenario: 'P6',
    measure,
    unit,
    kf: of([small, large]),
    better: 'lower',
    peers: js ? [{ peer: 'kafkajs', value: of(js) }] : [],
  });
  const growth = peak(large) / peak(small);
  const figures: Figure[] = [
    {
      ...row(`peak RSS of a process, backlog ${smallCount}`, 'MiB', ([r]) => peak(r)),
      scenario: `P6 memory, ${PARTITIONS} partitions, ${MESSAGE_BYTES} B, ${PROCESSES} processes`,
    },
    row(`peak RSS of a process, backlog ${largeCount}`, 'MiB', ([, r]) => peak(r)),
    {
      ...row(`peak RSS growth, backlog ×${GROWTH}`, '×', ([s, l]) => peak(l) / peak(s)),
      goal: `≤ ${GOAL_GROWTH}× (bounded)`,
      met: growth <= GOAL_GROWTH,
    },
    row(
      `peak RSS growth at equal progress (first ${smallCount} of ${largeCount} against ${smallCount})`,
      '×',
      ([s, l]) => earlyPeak(l) / peak(s),
    ),
    row(`RSS of a process ${HOLD_MS / 1_000} s after draining ${largeCount}`, 'MiB', ([, r]) =>
      held(r),
    ),
    // Where the growth is: V8's heap reserved at the peak, against what stays live.
    row(
      `peak V8 heap (reserved) growth, backlog ×${GROWTH}`,
      '×',
      ([s, l]) => peakHeap(l) / peakHeap(s),
    ),
    row(`V8 heap in use after a full collection, drained ${largeCount}`, 'MiB', ([, r]) => live(r)),
    row(
      `V8 heap in use after a full collection, drained: ${largeCount} over ${smallCount}`,
      '×',
      ([s, l]) => live(l) / live(s),
    ),
  ];
  return { figures, notes };
}
