import { readFileSync } from 'node:fs';
import type { KfConfigInput } from '@kf/core';
import { startRedisSingle, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import {
  duplicatesOutside,
  errorListed,
  faultSummary,
  fenceBreaches,
  idsCompared,
  leaderOf,
  unflaggedCompletions,
  unitsInDoubt,
} from '../support/fault-kit.js';
import { singleRedisConfig } from '../support/fault-runs.js';
import { type GroupRun, useGroupRuns } from '../support/group-run.js';
import {
  countSeen,
  type NodeProcess,
  overlappingSchedules,
  withFixtureOptions,
} from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const LOCK_TTL_MS = 2_000;
const LEASE_TTL_MS = 2_000;
const TICK_MS = 100;
const RATE = 3_000;
const FLOW_BEFORE = 3_000;

// Every wall-clock bound below is configuration plus a stated margin.
/** A report's trip over IPC and a timer late on a loaded two-core machine. */
const MARGIN_MS = 700;
/**
 * Fault → new leader: the lock runs out at most a TTL after the fault (it was renewed at
 * most then); followers look again every quarter TTL; then one tick (three ticks'
 * allowance: a tick in progress, the one that takes the lock, its report) and the margin.
 */
const TAKEOVER_BOUND_MS = LOCK_TTL_MS + LOCK_TTL_MS / 4 + 3 * TICK_MS + MARGIN_MS;
/**
 * Fault → the struck node's units given back: its lease runs out at most a TTL after the
 * fault; the leader checks leases every min(TTL / 4, 1 s); a tick; the margin. The
 * leader may itself be new, so the take-over comes first in the worst case.
 */
const RECOVERY_BOUND_MS =
  Math.max(LEASE_TTL_MS + Math.min(LEASE_TTL_MS / 4, 1_000), TAKEOVER_BOUND_MS) +
  TICK_MS +
  MARGIN_MS;
/**
 * Resumed → it knows it was deposed and its lease lapsed: both renewal timers (lock every
 * TTL / 3, lease every TTL / 3) are overdue on resumption and fire at once; one round trip
 * each; at most one renewal period if a timer was just reset; the margin.
 */
const RESUMED_BOUND_MS = Math.max(LOCK_TTL_MS, LEASE_TTL_MS) / 3 + MARGIN_MS;
/** Waits give up at twice their bound, so a slow step fails its assertion, with its figure. */
const WAIT_FACTOR = 2;
/**
 * Messages produced at least: the flow before the fault, and the fault lasting at least
 * the lock's TTL, at half the nominal rate (margin: a loaded machine's producer lags).
 */
const MIN_PRODUCED = FLOW_BEFORE + ((RATE / 2) * LOCK_TTL_MS) / 1_000;
/**
 * Draining after production stops: the backlog is at most what was produced, which took
 * the run's elapsed time at RATE, and the nodes kept up with RATE before the fault, so
 * at most as long again; margin 15 s for a loaded machine.
 */
const DRAIN_MARGIN_MS = 15_000;

const SCHEDULE_SCRIPT = new URL('../../src/scripts/schedule-units-n.lua', import.meta.url);

/** schedule-units with its epoch check taken out: a fence that is not there. */
function scheduleScriptWithoutFence(): string {
  const source = readFileSync(SCHEDULE_SCRIPT, 'utf8');
  const check =
    /local epoch = redis\.call\('GET', KEYS\[3\]\)\nif epoch ~= ARGV\[1\] then\n\s*return \{2[^\n]*\nend\n/;
  if (!check.test(source)) throw new Error('the epoch check of schedule-units-n.lua moved');
  return source.replace(check, '');
}

type Group = { redis: { groupName: string } };

/**
 * The organiser's leader dies, or stalls past its lock and comes back: another node
 * takes over within the lock's TTL, the struck node's units are given back, and no
 * offset range is ever scheduled twice (the fencing epoch refuses a deposed leader's
 * writes: the stalled leader's write is made and refused, and with the epoch check
 * taken out of the script the same scenario reports the breach). Every scenario prints
 * one line: produced, delivered, duplicates, error-listed, take-over time.
 */
describe('faults: the organiser leader', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults' });
  const runs = useGroupRuns(stack);

  function config(topic: string): KfConfigInput & Group {
    return singleRedisConfig(stack, topic, {
      useEarliest: true,
      consumeStep: 200,
      leaderLockTtlMs: LOCK_TTL_MS,
      leaseTtlMs: LEASE_TTL_MS,
      workCalculateFreq: TICK_MS,
    });
  }

  const now = () => performance.timeOrigin + performance.now();
  const epochOf = (n: NodeProcess) => n.report.leadership.at(-1)?.epoch ?? 0;
  const startRun = (topic: string, flowBefore = FLOW_BEFORE) =>
    runs.start({
      topic,
      partitions: 4,
      config: config(topic),
      rate: RATE,
      flowBefore,
      withLeader: true,
    });
  const nextLeader = async (among: NodeProcess[]) => {
    await until(
      waitUntil,
      () => leaderOf(among) !== undefined,
      'a new leader',
      WAIT_FACTOR * TAKEOVER_BOUND_MS,
    );
    return leaderOf(among) as NodeProcess;
  };
  const recoveredBy = (leader: NodeProcess, struck: NodeProcess) =>
    leader.report.recovered.find((r) => r.nodeId === struck.report.nodeId);

  /**
   * The struck leader stops itself at its next plan, before it reads the saved offsets
   * (so, continued, it plans from fresh state: the write a fence must refuse, not one the
   * saved-offset check already catches). It stays stopped until another node leads and
   * has given its units back, and until the new leader holds a schedule of new offsets
   * (so there is news the old one plans to write, and nothing moves under it). Then it
   * is continued and must learn it was deposed and that its lease lapsed; the new leader
   * is released once the old one made its write.
   */
  async function stalledPastTtl(paused: NodeProcess, run: GroupRun) {
    const oldEpoch = epochOf(paused);
    const at = await paused.stallBeforeNextPlan();
    const next = await nextLeader(run.nodes.filter((n) => n !== paused));
    await until(
      waitUntil,
      () => recoveredBy(next, paused) !== undefined,
      'the stalled leader’s units given back',
      WAIT_FACTOR * RECOVERY_BOUND_MS,
    );
    await next.holdScript('schedule-units');
    const resumedAt = now();
    paused.signal('SIGCONT');
    const deposedEvent = () =>
      paused.report.leadership.find((e) => !e.gained && e.epoch === oldEpoch);
    try {
      await until(
        waitUntil,
        () =>
          deposedEvent() !== undefined &&
          paused.report.leaseLost.some((t) => t > resumedAt) &&
          paused.report.scheduleCalls.some((c) => c.at > resumedAt),
        'the resumed leader deposed, its lease lapsed, its write made',
        WAIT_FACTOR * RESUMED_BOUND_MS,
      );
    } finally {
      next.release();
    }
    return {
      next,
      at,
      oldEpoch,
      resumedAt,
      deposedMs: (deposedEvent()?.at ?? Number.NaN) - resumedAt,
      leaseLostMs: (paused.report.leaseLost.find((t) => t > resumedAt) ?? Number.NaN) - resumedAt,
      reason: deposedEvent()?.reason,
    };
  }

  /**
   * Three nodes under steady production; `fault` strikes the leader and returns when
   * another node leads, with the new leader and the moment the fault struck (from then
   * on the leader is stopped or dead until the fault ends). Every message must arrive,
   * the new leader must have a newer epoch and have given the struck node's units back,
   * no range may be scheduled twice nor written by a deposed leader, duplicates may only
   * come from units the struck leader's own reports leave in doubt, and it must flag
   * each of those it completes once resumed.
   */
  async function leaderFault(
    name: string,
    topic: string,
    fault: (leader: NodeProcess, run: GroupRun) => Promise<{ next: NodeProcess; at: number }>,
    summary: (leader: NodeProcess, next: NodeProcess) => Record<string, string> = () => ({}),
  ): Promise<void> {
    const conf = config(topic);
    const startedAt = Date.now();
    const run = await startRun(topic);
    const struck = leaderOf(run.nodes) as NodeProcess;
    const struckEpoch = epochOf(struck);
    const { next, at } = await fault(struck, run);
    const gained = next.report.leadership.findLast((e) => e.gained);
    const takeoverMs = (gained?.at ?? Number.NaN) - at;
    const recoveryMs = (recoveredBy(next, struck)?.at ?? Number.NaN) - at;
    const ids = (await run.everyMessage(Date.now() - startedAt + DRAIN_MARGIN_MS)).acknowledged;
    // Closed nodes have reported all they will: a unit still running would otherwise
    // deliver and complete after the reports are judged.
    await Promise.all(run.nodes.map((n) => n.stop()));
    const inDoubt = unitsInDoubt(struck.report);
    const { duplicates, outside } = duplicatesOutside(run.nodes, inDoubt);
    const { missing, unexpected } = idsCompared(run.nodes, ids);
    const fence = fenceBreaches(run.nodes);
    const listed = await errorListed(conf);
    faultSummary(name, {
      produced: ids.length,
      delivered: countSeen(run.nodes).distinct.size,
      duplicates,
      errorListed: listed,
      unitsInDoubt: inDoubt.length,
      takeoverMs: takeoverMs.toFixed(0),
      recoveryMs: recoveryMs.toFixed(0),
      ...summary(struck, next),
    });
    expect(ids.length).toBeGreaterThanOrEqual(MIN_PRODUCED);
    expect(missing.slice(0, 10)).toEqual([]);
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(gained?.epoch).toBeGreaterThan(struckEpoch);
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(overlappingSchedules(run.nodes)).toEqual([]);
    expect(fence.breaches).toEqual([]);
    expect(outside).toEqual([]);
    expect(unflaggedCompletions(struck.report, inDoubt, at)).toEqual([]);
    expect(listed).toBe(0);
  }

  test('the leader killed: another node leads within the lock TTL; no range scheduled twice', async () => {
    await leaderFault('leader SIGKILL', 'faults-leader-kill', async (leader, run) => {
      leader.kill();
      await leader.report.exit;
      const at = now();
      expect(leader.exitSignal).toBe('SIGKILL');
      // The victim's last report still says it leads: it died without a word.
      const next = await nextLeader(run.nodes.filter((n) => n !== leader));
      // The new leader took over the dead one's duties: its units given back, and a
      // range scheduled in its own term.
      await until(
        waitUntil,
        () =>
          recoveredBy(next, leader) !== undefined &&
          next.report.scheduled.some((s) => s.epoch === epochOf(next)),
        'the dead leader’s units given back and a range scheduled by the new one',
        WAIT_FACTOR * RECOVERY_BOUND_MS,
      );
      return { next, at };
    });
  });

  test('split brain: the leader paused past its TTL and resumed is fenced; no range scheduled twice', async () => {
    let outcome: Awaited<ReturnType<typeof stalledPastTtl>> | undefined;
    let paused: NodeProcess | undefined;
    await leaderFault(
      'leader SIGSTOP past its TTL, then SIGCONT',
      'faults-leader-pause',
      async (leader, run) => {
        paused = leader;
        outcome = await stalledPastTtl(leader, run);
        return outcome;
      },
      (_, next) => ({
        epochs: `${outcome?.oldEpoch} → ${epochOf(next)}`,
        deposedAfterResumeMs: (outcome?.deposedMs ?? Number.NaN).toFixed(0),
        leaseLostAfterResumeMs: (outcome?.leaseLostMs ?? Number.NaN).toFixed(0),
        fencedWrites: String(fenceBreaches([...(paused ? [paused] : []), next]).attempts),
      }),
    );
    const o = outcome as NonNullable<typeof outcome>;
    expect(o.reason).toBe('deposed');
    expect(o.deposedMs).toBeLessThan(RESUMED_BOUND_MS);
    expect(o.leaseLostMs).toBeLessThan(RESUMED_BOUND_MS);
    // The resumed leader did try to write in its old term, and the script refused it.
    const writes = (paused as NodeProcess).report.scheduleCalls.filter((c) => c.at > o.resumedAt);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.map((c) => [c.epoch, c.status])).toEqual(writes.map(() => [o.oldEpoch, 2]));
  });

  test('split brain with the epoch check taken out of schedule-units: the breach is detected', async () => {
    // The scenario above, with every node running a copy of the script without its
    // epoch check: the scenario must be able to fail.
    const topic = 'faults-leader-unfenced';
    const run = await withFixtureOptions(
      { scriptSources: { 'schedule-units': scheduleScriptWithoutFence() } },
      () => startRun(topic, FLOW_BEFORE / 3),
    );
    const paused = leaderOf(run.nodes) as NodeProcess;
    const { resumedAt } = await stalledPastTtl(paused, run);
    const { attempts, breaches } = fenceBreaches(run.nodes);
    faultSummary('leader SIGSTOP past its TTL, schedule-units without its epoch check', {
      writesAfterResume: paused.report.scheduleCalls.filter((c) => c.at > resumedAt).length,
      deposedWrites: attempts,
      breaches: breaches.length,
    });
    expect(breaches.length).toBeGreaterThan(0);
  });
});
