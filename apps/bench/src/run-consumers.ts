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
  /** Node processes: each one's largest resident set size seen up to the end of the run. */
  peakRssBytes: number[];
  /** The same, up to `earlyMessages` handled by the processes together. */
  earlyPeakRssBytes: number[];
  /** With `holdMs`: each Node process's resident set size at the end of the hold. */
  heldRssBytes: number[];
  /** Node processes: each one's largest V8 heap (reserved, `heapTotal`) up to the end of the run. */
  peakHeapTotalBytes: number[];
  /**
   * With `holdMs`: each Node process's V8 heap in use and resident set right after a full
   * garbage collection at the end of the hold — what it still holds, garbage left out.
   */
  collected: Array<{ heapUsedBytes: number; rssBytes: number }>;
  /**
   * Node processes' CPU seconds between them all being ready (after `onReady`) and the
   * end of the run, and that span: the same span `onReady` and `onEnd` bracket.
   */
  cpu: { seconds: number; spanMs: number };
  /**
   * Node processes' CPU seconds over `elapsedMs`, the span a run's rates are over: from
   * each one's last report before the clock started (or its first report, when later)
   * to its last report at the end; each report is up to 200 ms old.
   */
  timedCpuSeconds: number;
}

/** One consumer process of a run, started by a launcher. */
export interface LaunchedConsumer {
  child: ChildProcess;
  /** Asks the process to stop: it closes its consumer, reports once more and exits. */
  stop(): void;
  /** Node processes: asks for a full garbage collection and a report (`collected`) after it. */
  collect?(): void;
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
  /** Stop this long after every process is ready and `onReady` returned, target or not. */
  capMs: number;
  /** Called as the clock starts, when the first process is ready; awaited before `onReady`. */
  onStart?: () => Promise<void> | void;
  /** Called once every process is ready. */
  onReady?: () => Promise<void> | void;
  /** Called when the target is reached or the cap passed, before the processes stop. */
  onEnd?: () => Promise<void> | void;
  /** Keep the processes this long after the end, idle, before reading `heldRssBytes`. */
  holdMs?: number;
  /** Where `earlyPeakRssBytes` stops counting: this many messages handled. */
  earlyMessages?: number;
}

/** The last resources a Node process reported, and its largest resident set so far. */
interface Resources {
  rssBytes: number;
  peakRssBytes: number;
  earlyPeakRssBytes: number;
  peakHeapTotalBytes: number;
  /** The last report sent right after a full collection. */
  collected?: { heapUsedBytes: number; rssBytes: number };
  cpuMicros: number;
  /** CPU time as the clock started, or at the first report after. */
  startCpuMicros: number;
}

/** A process that does not stop when asked is killed after this long. */
const STOP_GRACE_MS = 30_000;
/** A full collection of a drained consumer's heap takes milliseconds; this is ample. */
const COLLECT_WAIT_MS = 10_000;

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
    peakRssBytes: [],
    earlyPeakRssBytes: [],
    heldRssBytes: [],
    peakHeapTotalBytes: [],
    collected: [],
    cpu: { seconds: 0, spanMs: 0 },
    timedCpuSeconds: 0,
  };
  // Java processes report none: their entries stay empty and are left out.
  const resources: Array<Resources | undefined> = Array.from({ length: options.processes });
  let measuring = true;
  // The clock starts when the first process is ready: it may consume at once.
  let started: number | undefined;
  let onStart: Promise<void> = Promise.resolve();
  const children = Array.from({ length: options.processes }, (_, i) => {
    let readied: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      readied = resolve;
    });
    const launched = options.launch(i, (report) => {
      if (report.type === 'ready') {
        if (started === undefined) {
          started = performance.now();
          for (const r of reported(resources)) r.startCpuMicros = r.cpuMicros;
          onStart = Promise.resolve().then(() => options.onStart?.());
          // Awaited once all are ready: handled from now, so an early failure is not unhandled.
          onStart.catch(() => undefined);
        }
        if (report.note && !result.notes.includes(report.note)) result.notes.push(report.note);
        readied();
      } else if (report.type === 'summary') {
        result.notes.push(report.note);
      } else {
        result.messages += report.messages;
        if (report.rssBytes !== undefined && report.cpuMicros !== undefined) {
          const peak = measuring ? report.rssBytes : 0;
          const early = result.messages <= (options.earlyMessages ?? Number.POSITIVE_INFINITY);
          const was = resources[i];
          resources[i] = {
            rssBytes: report.rssBytes,
            peakRssBytes: Math.max(was?.peakRssBytes ?? 0, peak),
            earlyPeakRssBytes: Math.max(was?.earlyPeakRssBytes ?? 0, early ? peak : 0),
            peakHeapTotalBytes: Math.max(
              was?.peakHeapTotalBytes ?? 0,
              measuring ? (report.heapTotalBytes ?? 0) : 0,
            ),
            collected:
              report.collected && report.heapUsedBytes !== undefined
                ? { heapUsedBytes: report.heapUsedBytes, rssBytes: report.rssBytes }
                : was?.collected,
            cpuMicros: report.cpuMicros,
            startCpuMicros: was?.startCpuMicros ?? report.cpuMicros,
          };
        }
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
    await onStart;
    await options.onReady?.();
    const cpuFrom = cpuMicros(resources);
    const spanFrom = performance.now();
    const from = started ?? spanFrom;
    const deadline = spanFrom + options.capMs;
    while (result.messages < options.target && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    result.elapsedMs = performance.now() - from;
    result.capped = result.messages < options.target;
    result.cpu = {
      seconds: (cpuMicros(resources) - cpuFrom) / 1e6,
      spanMs: performance.now() - spanFrom,
    };
    result.timedCpuSeconds =
      reported(resources).reduce((sum, r) => sum + r.cpuMicros - r.startCpuMicros, 0) / 1e6;
    measuring = false;
    result.peakRssBytes = reported(resources).map((r) => r.peakRssBytes);
    result.earlyPeakRssBytes = reported(resources).map((r) => r.earlyPeakRssBytes);
    result.peakHeapTotalBytes = reported(resources).map((r) => r.peakHeapTotalBytes);
    await options.onEnd?.();
    if (options.holdMs) {
      await new Promise((r) => setTimeout(r, options.holdMs));
      result.heldRssBytes = reported(resources).map((r) => r.rssBytes);
      result.collected = await collectAll(children, resources);
    }
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

const reported = (resources: Array<Resources | undefined>) =>
  resources.filter((r): r is Resources => r !== undefined);

const cpuMicros = (resources: Array<Resources | undefined>) =>
  reported(resources).reduce((sum, r) => sum + r.cpuMicros, 0);

/** Asks every Node process for a full collection and waits for each one's report after it. */
async function collectAll(
  children: LaunchedConsumer[],
  resources: Array<Resources | undefined>,
): Promise<RunResult['collected']> {
  const asked = children.filter((c) => c.collect);
  for (const c of asked) c.collect?.();
  const deadline = performance.now() + COLLECT_WAIT_MS;
  const all = () => reported(resources).filter((r) => r.collected).length >= asked.length;
  while (!all()) {
    if (performance.now() > deadline) {
      throw new Error(
        `bench: a consumer did not report within ${COLLECT_WAIT_MS} ms of a collection`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return reported(resources).flatMap((r) => (r.collected ? [r.collected] : []));
}
