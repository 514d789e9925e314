import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConsumerCommand, ConsumerReport, ConsumerSpec } from './protocol.js';

const SCRIPT = fileURLToPath(new URL('./consumer-process.js', import.meta.url));

export interface RunResult {
  /** From the first process ready to the target reached (or the time cap). */
  elapsedMs: number;
  messages: number;
  bytes: number;
  units: number;
  latenciesMs: number[];
  /** True when the time cap ended the run before the target. */
  capped: boolean;
}

export interface RunOptions {
  processes: number;
  spec: (i: number) => ConsumerSpec;
  /** Stop once this many messages were handled. */
  target: number;
  /** Stop after this long even if the target was not reached. */
  capMs: number;
  /** Called once every process is ready. */
  onReady?: () => Promise<void> | void;
}

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
  };
  // The clock starts when the first process is ready: it may consume at once.
  let started: number | undefined;
  const children = Array.from({ length: options.processes }, (_, i) => {
    const child = fork(SCRIPT, [JSON.stringify(options.spec(i))], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (report: ConsumerReport) => {
        if (report.type === 'ready') {
          started ??= performance.now();
          resolve();
        } else {
          result.messages += report.messages;
          result.bytes += report.bytes;
          result.units += report.units;
          for (const l of report.latenciesMs) result.latenciesMs.push(l);
        }
      });
      void exited.then(() => reject(new Error(`bench consumer ${i} exited before it was ready`)));
    });
    return { child, ready, exited };
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
    for (const { child } of children) {
      if (child.connected) child.send({ type: 'stop' } satisfies ConsumerCommand);
    }
    const kill = setTimeout(() => {
      for (const { child } of children) child.kill('SIGKILL');
    }, 30_000);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(kill);
  }
  return result;
}
