import type { KfConfigInput } from '@kf/core';
import { createTopic, waitUntil } from '@kf/devstack';
import { afterEach } from 'vitest';
import { valuesInLog } from './log-contents.js';
import { countSeen, type NodeProcess, startNodes } from './node-processes.js';
import { type BackgroundProduction, compareIds, idRuns, produceInBackground } from './produce.js';
import type { KafkaRedisStack } from './stack.js';

export interface GroupRunOptions {
  topic: string;
  partitions: number;
  config: KfConfigInput;
  /** Node processes to start: 3 unless said. */
  nodes?: number;
  /** Messages a second produced in the background while the run lasts. */
  rate: number;
  /** Pause each batch this long, so the run lasts (0: none). */
  pauseMs?: number;
  /**
   * The run is under way once the nodes have delivered more than this many distinct
   * messages; it is also the lower bound on what the run must have produced.
   */
  flowBefore: number;
  /** Also wait until a node leads before the run counts as under way. */
  withLeader?: boolean;
  /** What the servers looked like, added to the error when a message never arrives. */
  diagnose?: () => Promise<string>;
  /**
   * What must arrive: every id the producer had acknowledged (default; a send that fails
   * fails the run), or, for scenarios where Kafka itself fails over, every id the log
   * holds (see `valuesInLog`; refused sends are then sent again).
   */
  truth?: 'acknowledged' | 'log';
}

export interface Delivered {
  /** Ids the producer had acknowledged. */
  acknowledged: string[];
  /** Acknowledged ids that had to arrive: all of them, or those the log holds. */
  expected: string[];
}

export interface GroupRun {
  /** The node processes of the run; a scenario may add replacements. */
  readonly nodes: NodeProcess[];
  /**
   * Stops producing and waits until the set of ids delivered is exactly the set that had
   * to arrive (every acknowledged id, or every id in the log): a missing or an extra id
   * fails it, named with its partition (and offset, for one delivered).
   */
  everyMessage(timeoutMs: number): Promise<Delivered>;
}

/**
 * Runs of node processes consuming one topic under steady production, for the fault
 * scenarios. Registers an `afterEach` that stops production and every node of the
 * test's runs (resuming a paused one first), so a failed test leaves nothing running.
 */
export function useGroupRuns(stack: KafkaRedisStack<unknown>): {
  start(options: GroupRunOptions): Promise<GroupRun>;
} {
  const productions: Array<{ production: BackgroundProduction; surfaced: boolean }> = [];
  const runs: GroupRun[] = [];
  afterEach(async () => {
    const stopped = await Promise.allSettled(
      productions.map(({ production }) => production.stop()),
    );
    const unreported = productions
      .splice(0)
      .filter((p, i) => !p.surfaced && stopped[i]?.status === 'rejected')
      .map((p) => p.production.failure());
    const nodes = runs.splice(0).flatMap((r) => r.nodes);
    for (const n of nodes) n.signal('SIGCONT');
    await Promise.all(nodes.map((n) => n.stop()));
    // A send that failed after the test's last look at production still fails the test.
    if (unreported[0] !== undefined) throw unreported[0];
  });
  return {
    async start(options) {
      const { topic, partitions } = options;
      await createTopic(stack.kafka.info.brokers, { topic, partitions });
      const nodes = await startNodes(options.nodes ?? 3, (i) => ({
        config: options.config,
        topics: [topic],
        nodeId: `${topic}-${i}`,
        ...(options.pauseMs === undefined ? {} : { pauseMs: options.pauseMs }),
      }));
      const run: GroupRun = {
        nodes,
        everyMessage: async (timeoutMs) => {
          entry.surfaced = true;
          const acknowledged = await production.stop();
          const held =
            options.truth === 'log'
              ? await valuesInLog(stack.kafka.info.brokers, topic)
              : undefined;
          const expected = held ? acknowledged.filter((id) => held.has(id)) : acknowledged;
          const mustArrive = held ? [...held] : acknowledged;
          // The lower bound on what was produced: the nodes had delivered more than
          // `flowBefore` distinct ids before the run counted as under way, every one of
          // them written (and, no send having failed, acknowledged).
          if (mustArrive.length <= options.flowBefore)
            throw new Error(
              `only ${mustArrive.length} ids produced (${acknowledged.length} acknowledged), not more than the ${options.flowBefore} delivered before the fault`,
            );
          await exactlyDelivered(run.nodes, mustArrive, partitions, timeoutMs, options.diagnose);
          return { acknowledged, expected };
        },
      };
      runs.push(run);
      const production = produceInBackground(stack.producer, topic, {
        rate: options.rate,
        partitions,
        retryRefusedSends: options.truth === 'log',
      });
      const entry = { production, surfaced: false };
      productions.push(entry);
      await waitUntil(
        async () =>
          countSeen(run.nodes).distinct.size > options.flowBefore &&
          (options.withLeader !== true ||
            run.nodes.some((n) => n.report.leadership.at(-1)?.gained === true))
            ? true
            : undefined,
        {
          what: 'flow before the fault',
          // No timing claim: a failing start ends here. At the scenarios' rates (2 000–3 000
          // a second) `flowBefore` takes 1–2 s, plus the nodes' first tick.
          timeoutMs: 30_000,
          intervalMs: 20,
          abortIf: () => production.failure()?.message,
        },
      ).catch((error: unknown) => {
        const failed = production.failure();
        if (failed === undefined) throw error;
        entry.surfaced = true;
        throw failed;
      });
      return run;
    },
  };
}

/**
 * Waits until every id of `ids` was delivered, then checks that nothing else was: on
 * failure it names each missing id with the partition it was sent to, and each extra
 * one with the partition and offset it was delivered from.
 */
async function exactlyDelivered(
  nodes: readonly NodeProcess[],
  ids: string[],
  partitions: number,
  timeoutMs: number,
  diagnose: (() => Promise<string>) | undefined,
): Promise<void> {
  const want = new Set(ids);
  const arrived = () => {
    const seen = countSeen(nodes).distinct;
    for (const id of want) if (!seen.has(id)) return false;
    return true;
  };
  const waited = await waitUntil(async () => (arrived() ? true : undefined), {
    what: 'every message',
    timeoutMs,
    intervalMs: 20,
  }).catch((error: unknown) => error as Error);
  const { missing, extra } = compareIds(ids, countSeen(nodes).distinct.keys());
  if (missing.length === 0 && extra.length === 0) return;
  const extras = new Set(extra);
  const extraAt = nodes
    .flatMap((n) => n.report.seen)
    .filter(([, , id]) => extras.has(id))
    .map(([partition, offset, id]) => `${id} at ${partition}/${offset}`);
  const notes = nodes.flatMap((n) => n.report.errors).slice(-6);
  const servers = diagnose ? await diagnose().catch((e: unknown) => `diagnose failed: ${e}`) : '';
  throw new Error(
    [
      waited instanceof Error ? String(waited) : 'delivered a different set of ids',
      `missing ${missing.length}${missing.length > 0 ? ` (by partition sent to: ${byPartition(missing, partitions)})` : ''}`,
      `extra ${extra.length}${extra.length > 0 ? ` (${[...new Set(extraAt)].join(', ')})` : ''}`,
      `last node reports: ${notes.join(' | ')}`,
      servers,
    ].join('; '),
  );
}

/** Ids `prefix-n`, grouped by the partition `n % partitions` they were sent to. */
function byPartition(ids: string[], partitions: number): string {
  const groups = new Map<number, string[]>();
  for (const id of ids) {
    const p = Number(/-(\d+)$/.exec(id)?.[1] ?? Number.NaN) % partitions;
    const list = groups.get(p) ?? [];
    list.push(id);
    groups.set(p, list);
  }
  return [...groups]
    .sort(([a], [b]) => a - b)
    .map(([p, list]) => `p${p}: ${idRuns(list)}`)
    .join('; ');
}
