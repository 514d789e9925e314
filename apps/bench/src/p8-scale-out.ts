import type { BenchContext } from './context.js';
import type { Figure, ScenarioResult } from './figures.js';
import { PER_PROCESS, preloadSlowHandlerTopic, slowHandlerRuns } from './p2-slow-handler.js';
import type { RunResult } from './run-consumers.js';
import { median, rate, spread } from './stats.js';

const PROCESS_COUNTS = [1, 2, 4, 8] as const;
/** P2's goal for 4 processes, held at every count. */
const GOAL_OF_LINEAR = 0.8;

/**
 * P8: P2's kf workload (one partition, a handler that awaits 1 ms, 8 units in flight per
 * process) on 1, 2, 4 and 8 processes, each against N × the 1-process figure.
 */
export async function scaleOut(
  ctx: BenchContext,
  messages: number,
  rounds: number,
): Promise<ScenarioResult> {
  const topic = await preloadSlowHandlerTopic(ctx, 'P8', messages);
  const runs = new Map<number, RunResult[]>();
  for (const processes of PROCESS_COUNTS) {
    runs.set(
      processes,
      await slowHandlerRuns(ctx, { topic, messages, processes, rounds, scenario: 'P8' }),
    );
  }
  const rates = new Map([...runs].map(([n, r]) => [n, r.map(rate)]));
  const one = median(rates.get(1) ?? []);
  const figures: Figure[] = PROCESS_COUNTS.map((processes, i) => {
    const kf = median(rates.get(processes) ?? []);
    const linear = processes * one;
    return {
      scenario:
        i === 0
          ? `P8 scale-out on P2’s workload (1 partition, 1 ms handler, ${PER_PROCESS} a process)`
          : 'P8',
      measure: `throughput, ${processes} process${processes === 1 ? '' : 'es'}, median`,
      unit: 'msgs/s',
      kf,
      peers:
        processes === 1
          ? []
          : [
              {
                peer: 'kf',
                label: `linear: ${processes} × 1 process`,
                value: linear,
                goal: `≥ ${GOAL_OF_LINEAR}× linear`,
                met: kf >= GOAL_OF_LINEAR * linear,
              },
            ],
    };
  });
  // What the processes used of the 2 cores says how far CPU, not the handler, is the limit.
  const cpu = (r: RunResult) => ((r.cpu.seconds / r.cpu.spanMs) * 100_000).toFixed(0);
  const notes = PROCESS_COUNTS.map(
    (processes) =>
      `P8 kf, ${processes} × ${PER_PROCESS}: ${spread(rates.get(processes) ?? [], 'msgs/s')}; the kf processes' CPU together ${(runs.get(processes) ?? []).map(cpu).join(', ')} % of a core`,
  );
  return { figures, notes };
}
