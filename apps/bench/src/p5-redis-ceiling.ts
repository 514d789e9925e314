import { type BenchContext, nodeContender } from './context.js';
import type { Figure, ScenarioResult } from './figures.js';
import { describeCpu, measuredRun } from './measured-run.js';
import { preload } from './produce.js';

const PROCESSES = 4;
/** Units in flight per process: tiny units wait on round trips, not on CPU, so more of them. */
const PER_PROCESS = 8;
const PARTITIONS = 8;
const GOAL_UNITS_PER_SECOND = 20_000;
const RUN_CAP_MS = 120_000;

/** Each unit size, and how many messages it runs over: `messages` × this factor. */
const STEPS = [
  { consumeStep: 1, factor: 1 },
  { consumeStep: 10, factor: 5 },
] as const;

/**
 * P5: units per second one Redis sustains. Tiny units (1 and 10 offsets) of 10-byte
 * messages and a no-op handler, so each unit is mostly its Redis round trips (the claim,
 * the completion) and one Fetch; the CPU of Redis, the broker and the kf processes over
 * the same span says which of them is the limit on the machine's cores.
 */
export async function redisCeiling(ctx: BenchContext, messages: number): Promise<ScenarioResult> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const { consumeStep, factor } of STEPS) {
    const count = messages * factor;
    const topic = `bench-p5-step${consumeStep}-${ctx.runId}`;
    ctx.log(`P5: preloading ${count} × 10 B on ${PARTITIONS} partitions`);
    await preload(ctx, { topic, partitions: PARTITIONS, count, size: 10 });
    ctx.log(`P5: kf, consumeStep ${consumeStep}, ${PROCESSES} processes × ${PER_PROCESS}`);
    const { run, costs } = await measuredRun(ctx, {
      processes: PROCESSES,
      launch: nodeContender(ctx, 'kf', topic, `bench-p5-step${consumeStep}-${ctx.runId}`, {
        concurrency: PER_PROCESS,
        kfConf: { consumeStep },
      }),
      target: count,
      capMs: RUN_CAP_MS,
    });
    const unitsPerSecond = (run.units / run.elapsedMs) * 1_000;
    ctx.log(`P5 consumeStep ${consumeStep}: Redis commands: ${costs.commands}`);
    const scenario = `P5 one Redis, consumeStep ${consumeStep}, no-op, ${PROCESSES} processes × ${PER_PROCESS}`;
    figures.push(
      {
        scenario,
        measure: 'units completed',
        unit: 'units/s',
        kf: unitsPerSecond,
        goal: `≥ ${GOAL_UNITS_PER_SECOND.toLocaleString('en-US')} units/s`,
        met: unitsPerSecond >= GOAL_UNITS_PER_SECOND,
        peers: [],
      },
      {
        scenario: 'P5',
        measure: 'Redis commands',
        unit: 'commands/s',
        kf: costs.commandsPerSecond,
        peers: [],
      },
      { scenario: 'P5', measure: 'Redis CPU', unit: '% of a core', kf: costs.redisCpu, peers: [] },
      {
        // Redis runs commands on one thread: at the same cost per unit, one core is its ceiling.
        scenario: 'P5',
        measure: 'Redis’s ceiling at this cost per unit (units/s ÷ its share of a core)',
        unit: 'units/s, projected',
        kf: (unitsPerSecond * 100) / costs.redisCpu,
        peers: [],
      },
      {
        scenario: 'P5',
        measure: 'kf processes’ CPU, together',
        unit: '% of a core',
        kf: costs.nodeCpu,
        peers: [],
      },
    );
    notes.push(
      `P5 consumeStep ${consumeStep}: ${run.units} units, ${run.messages} messages in ${(run.elapsedMs / 1_000).toFixed(1)} s${run.capped ? ' (capped)' : ''}; ${(run.messages / Math.max(1, run.units)).toFixed(1)} messages a unit; ${costs.tripsPerSecond.toFixed(0)} round trips/s; ${describeCpu(costs)}`,
      ...run.notes,
    );
  }
  return { figures, notes };
}
