import type { KfConfigInput } from '@kf/core';
import { createTopic, waitUntil } from '@kf/devstack';
import { afterEach } from 'vitest';
import { valuesInLog } from './log-contents.js';
import { countSeen, type NodeProcess, startNodes } from './node-processes.js';
import { produceInBackground, until } from './produce.js';
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
  /** The run is under way once the nodes have delivered this many messages. */
  flowBefore: number;
  /** Also wait until a node leads before the run counts as under way. */
  withLeader?: boolean;
  /** What the servers looked like, added to the error when a message never arrives. */
  diagnose?: () => Promise<string>;
  /**
   * What must arrive: every id the producer had acknowledged (default), or those of them
   * the log holds, for scenarios where Kafka itself fails over (see `valuesInLog`).
   */
  truth?: 'acknowledged' | 'log';
}

export interface Delivered {
  /** Ids the producer had acknowledged. */
  acknowledged: string[];
  /** Ids that had to arrive: all acknowledged, or those the log holds. */
  expected: string[];
}

export interface GroupRun {
  /** The node processes of the run; a scenario may add replacements. */
  readonly nodes: NodeProcess[];
  /** Stops producing and waits until every expected id was delivered. */
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
  const productions: Array<{ stop(): Promise<string[]> }> = [];
  const runs: GroupRun[] = [];
  afterEach(async () => {
    await Promise.all(productions.splice(0).map((p) => p.stop()));
    const nodes = runs.splice(0).flatMap((r) => r.nodes);
    for (const n of nodes) n.signal('SIGCONT');
    await Promise.all(nodes.map((n) => n.stop()));
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
          const acknowledged = await production.stop();
          const expected =
            options.truth === 'log'
              ? await inLog(stack.kafka.info.brokers, topic, acknowledged)
              : acknowledged;
          await everyMessage(run.nodes, expected, timeoutMs, options.diagnose);
          return { acknowledged, expected };
        },
      };
      runs.push(run);
      const production = produceInBackground(stack.producer, topic, {
        rate: options.rate,
        partitions,
      });
      productions.push(production);
      await until(
        waitUntil,
        () =>
          countSeen(run.nodes).total > options.flowBefore &&
          (options.withLeader !== true ||
            run.nodes.some((n) => n.report.leadership.at(-1)?.gained === true)),
        'flow before the fault',
      );
      return run;
    },
  };
}

async function inLog(brokers: string[], topic: string, ids: string[]): Promise<string[]> {
  const held = await valuesInLog(brokers, topic);
  return ids.filter((id) => held.has(id));
}

async function everyMessage(
  nodes: readonly NodeProcess[],
  ids: string[],
  timeoutMs: number,
  diagnose: (() => Promise<string>) | undefined,
): Promise<void> {
  await until(
    waitUntil,
    () => countSeen(nodes).distinct.size >= ids.length,
    'every message',
    timeoutMs,
  ).catch(async (error: unknown) => {
    const seen = countSeen(nodes).distinct;
    const missing = ids.filter((id) => !seen.has(id));
    const notes = nodes.flatMap((n) => n.report.errors).slice(-6);
    const servers = diagnose ? await diagnose().catch((e: unknown) => `diagnose failed: ${e}`) : '';
    throw new Error(
      `${error}; missing ${missing.length} (${missing.slice(0, 5)}); last node reports: ${notes.join(' | ')}; ${servers}`,
    );
  });
}
