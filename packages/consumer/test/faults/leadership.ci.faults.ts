import type { KfConfigInput } from '@kf/core';
import { startRedisSingle, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import {
  duplicatesOutside,
  errorListed,
  faultSummary,
  leaderOf,
  unflaggedCompletions,
  unitsInDoubt,
} from '../support/fault-kit.js';
import { type GroupRun, useGroupRuns } from '../support/group-run.js';
import { countSeen, type NodeProcess, overlappingSchedules } from '../support/node-processes.js';
import { until } from '../support/produce.js';
import { useKafkaRedis } from '../support/stack.js';

const LOCK_TTL_MS = 2_000;
const LEASE_TTL_MS = 2_000;
const TICK_MS = 100;

type Group = { redis: { groupName: string } };

/**
 * The organiser's leader dies, or stalls past its lock and comes back: another node
 * takes over within the lock's TTL and no offset range is ever scheduled twice (the
 * fencing epoch refuses a deposed leader's writes). Every scenario prints one line:
 * produced, delivered, duplicates, error-listed, take-over time.
 */
describe('faults: the organiser leader', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-faults' });
  const runs = useGroupRuns(stack);

  function config(topic: string): KfConfigInput & Group {
    return {
      bootstrapBrokers: stack.kafka.info.brokers,
      redis: { host: stack.redis.info.host, port: stack.redis.info.port, groupName: topic },
      conf: {
        useEarliest: true,
        consumeStep: 200,
        leaderLockTtlMs: LOCK_TTL_MS,
        leaseTtlMs: LEASE_TTL_MS,
        workCalculateFreq: TICK_MS,
      },
    };
  }

  /**
   * Three nodes under steady production; `fault` strikes the leader and returns when
   * another node leads, with the new leader and the moment the fault struck (from then
   * on the leader is stopped or dead until the fault ends). Every message must arrive, no
   * range may be scheduled twice, duplicates may only come from units the struck leader's
   * own reports leave in doubt, and it must flag each of those it completes once resumed.
   */
  async function leaderFault(
    name: string,
    topic: string,
    fault: (leader: NodeProcess, run: GroupRun) => Promise<{ next: NodeProcess; at: number }>,
    summary: (leader: NodeProcess, next: NodeProcess) => Record<string, string> = () => ({}),
  ): Promise<void> {
    const conf = config(topic);
    const run = await runs.start({
      topic,
      partitions: 4,
      config: conf,
      rate: 3_000,
      flowBefore: 3_000,
      withLeader: true,
    });
    const struck = leaderOf(run.nodes) as NodeProcess;
    const { next, at } = await fault(struck, run);
    const takeoverMs = (next.report.leadership.at(-1)?.at ?? 0) - at;
    const ids = (await run.everyMessage(60_000)).acknowledged;
    // Closed nodes have reported all they will: a unit still running would otherwise
    // deliver and complete after the reports are judged.
    await Promise.all(run.nodes.map((n) => n.stop()));
    const inDoubt = unitsInDoubt(struck.report);
    const { duplicates, outside } = duplicatesOutside(run.nodes, inDoubt);
    const listed = await errorListed(conf);
    faultSummary(name, {
      produced: ids.length,
      delivered: countSeen(run.nodes).distinct.size,
      duplicates,
      errorListed: listed,
      unitsInDoubt: inDoubt.length,
      takeoverMs: takeoverMs.toFixed(0),
      ...summary(struck, next),
    });
    expect(countSeen(run.nodes).distinct.size).toBe(ids.length);
    // The lock runs out at most a TTL after the fault; followers look again every
    // quarter TTL; then one tick and the report's trip over IPC.
    expect(takeoverMs).toBeLessThan(LOCK_TTL_MS + LOCK_TTL_MS / 4 + 3 * TICK_MS + 700);
    expect(overlappingSchedules(run.nodes)).toEqual([]);
    expect(outside).toEqual([]);
    expect(unflaggedCompletions(struck.report, inDoubt, at)).toEqual([]);
    expect(listed).toBe(0);
  }

  const now = () => performance.timeOrigin + performance.now();
  const nextLeader = async (among: NodeProcess[]) => {
    await until(waitUntil, () => leaderOf(among) !== undefined, 'a new leader', 15_000);
    return leaderOf(among) as NodeProcess;
  };

  test('the leader killed: another node leads within the lock TTL; no range scheduled twice', async () => {
    await leaderFault('leader SIGKILL', 'faults-leader-kill', async (leader, run) => {
      leader.kill();
      await leader.report.exit;
      const at = now();
      // The victim's last report still says it leads: it died without a word.
      const next = await nextLeader(run.nodes.filter((n) => n !== leader));
      await new Promise((r) => setTimeout(r, 2_000));
      return { next, at };
    });
  });

  test('split brain: the leader paused past its TTL and resumed is fenced; no range scheduled twice', async () => {
    const epochOf = (n: NodeProcess) => n.report.leadership.at(-1)?.epoch ?? 0;
    let oldEpoch = 0;
    await leaderFault(
      'leader SIGSTOP past its TTL, then SIGCONT',
      'faults-leader-pause',
      async (paused, run) => {
        oldEpoch = epochOf(paused);
        paused.signal('SIGSTOP');
        const at = now();
        const next = await nextLeader(run.nodes.filter((n) => n !== paused));
        // Still paused past its lease too, so its claimed units are recovered meanwhile.
        await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 1_000));
        paused.signal('SIGCONT');
        await until(
          waitUntil,
          () => paused.report.leadership.some((e) => !e.gained && e.epoch === oldEpoch),
          'the old leader to learn it was deposed',
          15_000,
        );
        expect(epochOf(next)).toBeGreaterThan(oldEpoch);
        expect(
          paused.report.leadership.find((e) => !e.gained && e.epoch === oldEpoch)?.reason,
        ).toBe('deposed');
        return { next, at };
      },
      (_, next) => ({ epochs: `${oldEpoch} → ${epochOf(next)}` }),
    );
  });
});
