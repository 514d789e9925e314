import type { KfConfigInput } from '@kf/core';
import { waitUntil } from '@kf/devstack';
import { DRAIN_MARGIN_MS, WAIT_FACTOR } from './fault-bounds.js';
import { errorListed, firstClaimAfter, idsCompared } from './fault-kit.js';
import { type Delivered, type GroupRun, type GroupRunOptions, useGroupRuns } from './group-run.js';
import { countSeen } from './node-processes.js';
import { until } from './produce.js';
import type { KafkaRedisStack } from './stack.js';

/** Consumption counts as resumed once this many more messages were handled after a fault. */
export const RESUMED_AFTER = 4_000;

/** What every run of a file has in common: its topic's shape and its production. */
export type RunProfile = Pick<GroupRunOptions, 'partitions' | 'rate' | 'pauseMs' | 'flowBefore'>;

/** What a drained run delivered, as the scenarios report and judge it. */
export interface Delivery extends Delivered {
  /** Ids that had to arrive and did not; ids delivered that never had to. */
  missing: string[];
  unexpected: string[];
  errorListed: number;
  /** The fields each scenario's summary line starts with. */
  counts: { produced: number; delivered: number; duplicates: number; errorListed: number };
}

export interface FaultRun extends GroupRun {
  /**
   * Waits until work resumed after a fault at `faultAt`: a unit claimed after it, a
   * claim the server that came after answered (messages alone would not tell: the units
   * the nodes held at the fault hold thousands), within twice `boundMs`; then
   * `RESUMED_AFTER` more messages handled than `before`, which take as long again as the
   * run's rate makes them. Resolves with the time from the fault to that claim.
   */
  resumed(faultAt: number, before: number, boundMs: number): Promise<number>;
  /**
   * Stops producing and waits for every message (see `everyMessage`) for as long as the
   * run has lasted and `DRAIN_MARGIN_MS` more, then counts what was delivered.
   */
  drain(): Promise<Delivery>;
}

/**
 * Group runs for the fault scenarios of a file (see `useGroupRuns`), each shaped by
 * `profile`, with what a fault scenario waits for and counts.
 */
export function useFaultRuns(
  stack: KafkaRedisStack<unknown>,
  profile: RunProfile,
): { start(options: Omit<GroupRunOptions, keyof RunProfile>): Promise<FaultRun> } {
  const runs = useGroupRuns(stack);
  return {
    async start(options) {
      const startedAt = Date.now();
      const run = await runs.start({ ...profile, ...options });
      return {
        ...run,
        async resumed(faultAt, before, boundMs) {
          await until(
            waitUntil,
            () => firstClaimAfter(run.nodes, faultAt) < Number.POSITIVE_INFINITY,
            'a unit claimed after the fail-over',
            WAIT_FACTOR * boundMs,
          );
          const resumedMs = Math.round(firstClaimAfter(run.nodes, faultAt) - faultAt);
          await until(
            waitUntil,
            () => countSeen(run.nodes).total > before + RESUMED_AFTER,
            'consumption after the fail-over',
            WAIT_FACTOR * boundMs + (RESUMED_AFTER / profile.rate) * 1_000,
          );
          return resumedMs;
        },
        async drain() {
          const delivered = await run.everyMessage(Date.now() - startedAt + DRAIN_MARGIN_MS);
          const { total, distinct, offsets } = countSeen(run.nodes);
          const { missing, unexpected } = idsCompared(run.nodes, delivered.expected);
          const listed = await errorListed(options.config);
          return {
            ...delivered,
            missing,
            unexpected,
            errorListed: listed,
            counts: {
              produced: delivered.acknowledged.length,
              delivered: distinct.size,
              duplicates: total - offsets,
              errorListed: listed,
            },
          };
        },
      };
    },
  };
}

/** A run's config on the file's single Redis server, for the group `groupName`. */
export function singleRedisConfig(
  stack: KafkaRedisStack<{ info: { host: string; port: number } }>,
  groupName: string,
  conf: KfConfigInput['conf'],
): KfConfigInput & { redis: { groupName: string } } {
  return {
    bootstrapBrokers: stack.kafka.info.brokers,
    redis: { host: stack.redis.info.host, port: stack.redis.info.port, groupName },
    conf,
  };
}
