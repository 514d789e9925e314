import { startKafka } from '@kf/devstack';
import { Respawner } from './respawn.js';
import { CHAOS_CONF, type EpisodeResult, runEpisode, type Stack } from './run-episode.js';
import { episodeSeed, planEpisode, stepCounts } from './schedule.js';

export interface ChaosOptions {
  seed: number;
  /** Keep starting episodes until this much time has passed (at least one runs). */
  minutes: number;
  /** Each episode's fault phase; its drain and checks come on top. */
  episodeFaultMs: number;
  /** How long an episode may take to deliver everything once its faults ended. */
  drainTimeoutMs: number;
  log: (line: string) => void;
}

export interface ChaosResult {
  seed: number;
  episodes: EpisodeResult[];
  violations: string[];
  summary: string;
}

/**
 * A seeded chaos run on the real stack: 3 Kafka brokers (replication factor 3, min ISR 2)
 * for the whole run, and per episode a Redis Cluster, 3 to 4 node processes and a
 * schedule of faults drawn from the episode's seed. `--seed` replays the same schedules.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const kafka = await startKafka({ brokers: 3 });
  const stack: Stack = {
    kafka,
    brokers: new Respawner(),
    brokerPids: new Map(kafka.processes.map((p) => [Number(p.name.replace('kafka-', '')), p.pid])),
  };
  const episodes: EpisodeResult[] = [];
  try {
    do {
      const index = episodes.length;
      const seed = episodeSeed(options.seed, index);
      const plan = planEpisode(seed, {
        faultMs: options.episodeFaultMs,
        leaseTtlMs: CHAOS_CONF.leaseTtlMs,
      });
      options.log(
        `[chaos] episode ${index} (seed ${seed}): ${plan.nodes} nodes, ${plan.partitions} partitions, ${plan.ordering}, ${JSON.stringify(stepCounts(plan.steps))}`,
      );
      const result = await runEpisode(
        stack,
        plan,
        `chaos-${options.seed}-${index}`,
        options.log,
        options.drainTimeoutMs,
      );
      episodes.push(result);
      options.log(`[chaos] episode ${index}: ${episodeLine(result)}`);
      for (const v of result.verdict.violations) options.log(`[chaos]   VIOLATION ${v}`);
    } while (Date.now() - started < options.minutes * 60_000);
  } finally {
    await stack.brokers.stopAll();
    await kafka.stop();
  }
  const violations = episodes.flatMap((e, i) =>
    e.verdict.violations.map((v) => `episode ${i}: ${v}`),
  );
  const faults = episodes.reduce((sum, e) => sum + e.faults.length, 0);
  const sum = (f: (e: EpisodeResult) => number) => episodes.reduce((s, e) => s + f(e), 0);
  const summary =
    `[chaos] seed ${options.seed}: ${episodes.length} episodes in ${Math.round((Date.now() - started) / 1_000)} s, ` +
    `${faults} faults, ${sum((e) => e.verdict.logged)} offsets logged, ${sum((e) => e.verdict.delivered)} delivered, ` +
    `${sum((e) => e.verdict.duplicates)} duplicates (all from faults: ${violations.some((v) => v.includes('more than once')) ? 'no' : 'yes'}), ` +
    `${sum((e) => e.verdict.errorListed)} error-listed (poison), ${violations.length} violations`;
  options.log(summary);
  return { seed: options.seed, episodes, violations, summary };
}

function episodeLine(r: EpisodeResult): string {
  const v = r.verdict;
  const by = Object.entries(v.duplicatesBy)
    .map(([fault, n]) => `${n} by ${fault}`)
    .join('; ');
  return (
    `${r.faults.length} faults, ${r.produced} produced (${r.produceFailures} sends refused), ${v.logged} logged, ` +
    `${v.delivered} delivered, ${v.duplicates} duplicates${by ? ` (${by})` : ''}, ${v.errorListed} error-listed ` +
    `(${v.errorListedOffsets} offsets), ${v.unitsFailed} unit failures, ${v.rangesScheduledTwice} ranges scheduled twice, ` +
    `${Math.round(r.wallMs / 1_000)} s`
  );
}
