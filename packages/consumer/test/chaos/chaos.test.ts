import { expect, test } from 'vitest';
import { runChaos } from './run-chaos.js';
import { stepCounts } from './schedule.js';

/**
 * The short chaos run of every CI run: one episode of seed 75, whose 30 s schedule draws
 * every kind of fault (node SIGKILL, leader kill, SIGSTOP/SIGCONT, close mid-unit, Redis
 * master kill and restart, Kafka broker kill and restart, partitions added, topics added
 * and removed) and every injected handler failure (poison, throw, hang). Longer runs over
 * other seeds: `pnpm test:chaos --minutes 30` (see docs/guarantees.md).
 */
const SEED = 75;
const FAULT_MS = 30_000;

test(`chaos run, seed ${SEED}: every offset delivered or error-listed as poison, every duplicate from a fault`, {
  timeout: 600_000,
}, async () => {
  const result = await runChaos({
    seed: SEED,
    minutes: 0,
    episodeFaultMs: FAULT_MS,
    // Poison is error-listed after kf's default 10 attempts (about 21 s of backoff); a
    // Kafka broker restarted at the end of the schedule takes up to 60 s to lead again.
    drainTimeoutMs: 120_000,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const [episode] = result.episodes;
  if (episode === undefined) throw new Error('no episode ran');
  expect(result.violations).toEqual([]);
  // Every step of the schedule was carried out: the run proves what it says it injected.
  expect(stepCounts(episode.faults.map((f) => ({ atMs: 0, kind: f.kind })))).toEqual(
    stepCounts(episode.plan.steps),
  );
  // Production went on through the faults: at least half the plan's rate over the phase.
  expect(episode.verdict.logged).toBeGreaterThan((3 * episode.plan.rate * FAULT_MS) / 1_000 / 2);
  expect(episode.verdict.delivered).toBeGreaterThan(0);
  expect(episode.verdict.errorListed).toBeGreaterThan(0);
});
