import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KfConfigInput } from '@kf/core';

const SCRIPT = fileURLToPath(new URL('../fixtures/node-process.mjs', import.meta.url));

export interface UnitRange {
  /** `topic/partition/offset`: the same for every claim of one unit. */
  id: string;
  topic: string;
  partition: number;
  offset: number;
  len: number;
}

/** What one node process reported. */
export interface NodeReport {
  nodeId: string;
  /** Every message its handler finished: partition, offset, value. */
  seen: Array<[number, number, string]>;
  /** When each batch was delivered: its partition and how many messages it held. */
  batches: Array<{ at: number; partition: number; count: number }>;
  claimed: Array<{ at: number; unit: UnitRange }>;
  completed: Array<{ at: number; unit: UnitRange; duplicate: boolean }>;
  /** Ranges this node scheduled while it led, with the epoch of its term. */
  scheduled: Array<{
    at: number;
    topic: string;
    partition: number;
    from: number;
    to: number;
    epoch: number;
  }>;
  leadership: Array<{ at: number; gained: boolean; epoch: number; reason?: string }>;
  /** Every `schedule-units` call it made while it led: the epoch it carried, the script's answer. */
  scheduleCalls: ScheduleCall[];
  /** Dead nodes whose units this node, leading, gave back (`nodeRecovered`). */
  recovered: Array<{ at: number; nodeId: string; units: number }>;
  /** When it found its own lease had lapsed (`leaseLost`). */
  leaseLost: number[];
  /** Units found in its working list that it never held, queued again. */
  orphans: number;
  errors: string[];
  /** What the node logged at info and above, in order. */
  logs: Array<{ at: number; level: string; message: string; fields: object }>;
  exit: Promise<number | null>;
}

/** A `schedule-units` call: the epoch it carried and the status the script answered. */
export interface ScheduleCall {
  at: number;
  epoch: number;
  /** 1 queued, 2 deposed (the epoch check refused it), 3 stale (the saved offset moved). */
  status: number;
}

/** Test-only options of the fixture process (see node-process.mjs). */
export interface FixtureOptions {
  /** Script sources replaced by script name (`schedule-units`, …), loaded as kf loads its own. */
  scriptSources?: Record<string, string>;
}

export interface NodeProcessSpec extends FixtureOptions {
  config: KfConfigInput;
  topics: string[];
  nodeId: string;
  concurrency?: number;
  /** Pause each batch this long, to make a run last (0: none). */
  pauseMs?: number;
}

let ambient: FixtureOptions = {};

/**
 * Runs `fn` with `options` given to every node process started meanwhile: for nodes
 * that helpers start from specs of their own (`useGroupRuns`).
 */
export async function withFixtureOptions<T>(
  options: FixtureOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const before = ambient;
  ambient = { ...before, ...options };
  try {
    return await fn();
  } finally {
    ambient = before;
  }
}

export class NodeProcess {
  readonly report: NodeReport;
  private readonly child: ChildProcess;
  private readonly running: Promise<void>;
  private stalled: ((at: number) => void) | undefined;
  private held: (() => void) | undefined;

  constructor(spec: NodeProcessSpec) {
    this.child = fork(SCRIPT, [JSON.stringify({ ...ambient, ...spec })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exit = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    this.report = {
      nodeId: spec.nodeId,
      seen: [],
      batches: [],
      claimed: [],
      completed: [],
      scheduled: [],
      leadership: [],
      scheduleCalls: [],
      recovered: [],
      leaseLost: [],
      orphans: 0,
      errors: [],
      logs: [],
      exit,
    };
    this.running = new Promise((resolve, reject) => {
      this.child.on('message', (message: { type: string } & Record<string, unknown>) => {
        if (message.type === 'running') resolve();
        else if (message.type === 'stalling') this.stalled?.(message.at as number);
        else if (message.type === 'held') this.held?.();
        else this.record(message);
      });
      void exit.then((code) =>
        reject(new Error(`node ${spec.nodeId} exited (${code}) before running`)),
      );
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The signal that ended the process, once it has ended by one. */
  get exitSignal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  started(): Promise<void> {
    return this.running;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** SIGSTOP / SIGCONT: a process that stalls (a long GC, a paused VM) and comes back. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child.kill(signal);
  }

  /**
   * Makes the process stop itself (SIGSTOP) at its next read of the saved offsets: as
   * leader, in a tick it began believing it leads, before it plans. Resolves with the
   * moment it stopped; `signal('SIGCONT')` continues it, and the tick reads afresh.
   */
  stallBeforeNextPlan(): Promise<number> {
    const stalled = new Promise<number>((resolve) => {
      this.stalled = resolve;
    });
    this.child.send({ type: 'stall' });
    return Promise.race([stalled, this.exitedBefore('stalling')]);
  }

  /**
   * Holds its calls of the script `name` until `release()`. Resolves once one call is
   * held: `schedule-units`, it has offsets to schedule that stay unscheduled meanwhile;
   * `complete-unit`, a unit it handled stays in its working list.
   */
  holdScript(name: 'schedule-units' | 'complete-unit'): Promise<void> {
    const held = new Promise<void>((resolve) => {
      this.held = resolve;
    });
    this.child.send({ type: 'hold', script: name });
    return Promise.race([held, this.exitedBefore(`holding a call of ${name}`)]);
  }

  release(): void {
    if (this.child.connected) this.child.send({ type: 'release' });
  }

  private async exitedBefore(what: string): Promise<never> {
    const code = await this.report.exit;
    throw new Error(`node ${this.report.nodeId} exited (${code}) before ${what}`);
  }

  /** Asks for a graceful close; SIGKILL if it has not exited within `ms`. */
  async stop(ms = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    await this.report.exit;
    clearTimeout(timer);
  }

  private record(message: { type: string } & Record<string, unknown>): void {
    const r = this.report;
    if (message.type === 'batch') {
      const items = message.items as NodeReport['seen'];
      r.seen.push(...items);
      if (items[0] !== undefined)
        r.batches.push({ at: message.at as number, partition: items[0][0], count: items.length });
    } else if (message.type === 'claimed') r.claimed.push(message as never);
    else if (message.type === 'completed') r.completed.push(message as never);
    else if (message.type === 'scheduled') r.scheduled.push(message as never);
    else if (message.type === 'leader') r.leadership.push(message as never);
    else if (message.type === 'scheduleCall') r.scheduleCalls.push(message as never);
    else if (message.type === 'recovered') r.recovered.push(message as never);
    else if (message.type === 'leaseLost') r.leaseLost.push(message.at as number);
    else if (message.type === 'orphans') r.orphans += message.units as number;
    else if (message.type === 'log') r.logs.push(message as never);
    else if (message.type === 'error' || message.type === 'failed')
      r.errors.push(JSON.stringify(message));
  }
}

/** Starts `count` node processes on one group and waits until each one runs. */
export async function startNodes(
  count: number,
  spec: (i: number) => NodeProcessSpec,
): Promise<NodeProcess[]> {
  const nodes = Array.from({ length: count }, (_, i) => new NodeProcess(spec(i)));
  try {
    await Promise.all(nodes.map((n) => n.started()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop(1_000)));
    throw error;
  }
  return nodes;
}

/**
 * What the nodes saw: deliveries in all, distinct ids, and distinct offsets. kf's
 * guarantee is per offset; ids tell whether everything produced arrived.
 */
export function countSeen(nodes: readonly NodeProcess[]): {
  total: number;
  distinct: Map<string, number>;
  offsets: number;
} {
  const distinct = new Map<string, number>();
  const offsets = new Set<string>();
  let total = 0;
  for (const n of nodes) {
    for (const [partition, offset, id] of n.report.seen) {
      distinct.set(id, (distinct.get(id) ?? 0) + 1);
      offsets.add(`${partition}/${offset}`);
      total += 1;
    }
  }
  return { total, distinct, offsets: offsets.size };
}

/** The most units in flight at one moment across all nodes, from their claim and completion times. */
export function maxConcurrentUnits(nodes: readonly NodeProcess[]): number {
  const edges: Array<[number, number]> = [];
  for (const n of nodes) {
    for (const c of n.report.claimed) edges.push([c.at, 1]);
    for (const c of n.report.completed) edges.push([c.at, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let most = 0;
  for (const [, delta] of edges) {
    current += delta;
    most = Math.max(most, current);
  }
  return most;
}

/** Ranges of one partition scheduled more than once, across every node's reports. */
export function overlappingSchedules(nodes: readonly NodeProcess[]): string[] {
  const byPartition = new Map<string, Array<{ from: number; to: number; who: string }>>();
  for (const n of nodes) {
    for (const s of n.report.scheduled) {
      const key = `${s.topic}/${s.partition}`;
      const list = byPartition.get(key) ?? [];
      list.push({ from: s.from, to: s.to, who: `${n.report.nodeId}@${s.epoch}` });
      byPartition.set(key, list);
    }
  }
  const overlaps: string[] = [];
  for (const [key, list] of byPartition) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1], list[i]] as [(typeof list)[0], (typeof list)[0]];
      if (b.from < a.to)
        overlaps.push(`${key} [${a.from},${a.to}) by ${a.who} and [${b.from},${b.to}) by ${b.who}`);
    }
  }
  return overlaps;
}
