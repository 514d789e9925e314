import type { ChildProcess } from 'node:child_process';
import type { ConsumerReport } from './protocol.js';

export interface RunResult {
  /** From the first process ready to the target reached (or the time cap). */
  elapsedMs: number;
  messages: number;
  bytes: number;
  units: number;
  latenciesMs: number[];
  /** True when the time cap ended the run before the target. */
  capped: boolean;
  /** What the processes said of themselves: when ready (once each distinct), and at the end. */
  notes: string[];
}

/** One consumer process of a run, started by a launcher. */
export interface LaunchedConsumer {
  child: ChildProcess;
  /** Asks the process to stop: it closes its consumer, reports once more and exits. */
  stop(): void;
}

/** Starts consumer process `i`; every report it makes goes to `onReport`. */
export type ConsumerLauncher = (
  i: number,
  onReport: (report: ConsumerReport) => void,
) => LaunchedConsumer;

export interface RunOptions {
  processes: number;
  launch: ConsumerLauncher;
  /** Stop once this many messages were handled. */
  target: number;
  /** Stop after this long even if the target was not reached. */
  capMs: number;
  /** Called once every process is ready. */
  onReady?: () => Promise<void> | void;
}

/** A process that does not stop when asked is killed after this long. */
const STOP_GRACE_MS = 30_000;

/**
 * Runs `processes` consumer processes until they handled `target` messages between
 * them, or `capMs` passed; every process is stopped before this returns.
 */
export async function runConsumers(options: RunOptions): Promise<RunResult> {
  const result: RunResult = {
    elapsedMs: 0,
    messages: 0,
    bytes: 0,
    units: 0,
    latenciesMs: [],
    capped: false,
    notes: [],
  };
  // The clock starts when the first process is ready: it may consume at once.
  let started: number | undefined;
  const children = Array.from({ length: options.processes }, (_, i) => {
    let readied: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      readied = resolve;
    });
    const launched = options.launch(i, (report) => {
      if (report.type === 'ready') {
        started ??= performance.now();
        if (report.note && !result.notes.includes(report.note)) result.notes.push(report.note);
        readied();
      } else if (report.type === 'summary') {
        result.notes.push(report.note);
      } else {
        result.messages += report.messages;
        result.bytes += report.bytes;
        result.units += report.units;
        for (const l of report.latenciesMs) result.latenciesMs.push(l);
      }
    });
    const exited = new Promise<number | null>((resolve) =>
      launched.child.once('exit', (code) => resolve(code)),
    );
    const readyOrExit = Promise.race([
      ready,
      exited.then((code) => {
        throw new Error(`bench consumer ${i} exited (code ${code}) before it was ready`);
      }),
    ]);
    return { ...launched, ready: readyOrExit, exited };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
    await options.onReady?.();
    const from = started ?? performance.now();
    const deadline = from + options.capMs;
    while (result.messages < options.target && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    result.elapsedMs = performance.now() - from;
    result.capped = result.messages < options.target;
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.stop();
    const kill = setTimeout(() => {
      for (const { child } of children) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(kill);
  }
  return result;
}
