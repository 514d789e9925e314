import { processCpuSeconds } from './process-cpu.js';

/** The CPU seconds of each sampled process, read between two wall-clock times. */
export interface CpuSample {
  /** `Date.now()` as the reads began and as they ended. */
  fromMs: number;
  toMs: number;
  seconds: number[];
}

const gone = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ESRCH';
};

/**
 * Reads the CPU time of `pids` from /proc every `everyMs` and whenever `take` is called,
 * for a span known only afterwards (from a process's own output). A process that has
 * exited ends the sampling (so a failed run leaves no timer behind); any other failure is
 * thrown by `stop`.
 */
export function sampleCpu(pids: number[], everyMs = 200) {
  const samples: CpuSample[] = [];
  let failure: unknown;
  let ended = false;
  const take = async () => {
    if (ended) return;
    const fromMs = Date.now();
    try {
      const seconds = await Promise.all(pids.map(processCpuSeconds));
      samples.push({ fromMs, toMs: Date.now(), seconds });
    } catch (error) {
      end();
      if (!gone(error)) failure ??= error;
    }
  };
  const end = () => {
    ended = true;
    clearInterval(timer);
  };
  const timer = setInterval(take, everyMs);
  void take();
  return {
    take,
    /** Stops sampling; the samples, oldest first. */
    stop(): CpuSample[] {
      end();
      if (failure !== undefined) throw failure;
      return [...samples].sort((a, b) => a.fromMs - b.fromMs);
    },
  };
}

const instant = (s: CpuSample) => (s.fromMs + s.toMs) / 2;

/**
 * Each process's CPU seconds at `atMs`, linear between the samples either side of it,
 * and how far apart those are; undefined unless samples lie on both sides.
 */
function cpuAt(samples: CpuSample[], atMs: number) {
  const before = samples.filter((s) => s.toMs <= atMs).at(-1);
  const after = samples.find((s) => s.fromMs >= atMs);
  if (!before || !after) return undefined;
  const gapMs = instant(after) - instant(before);
  const share = gapMs > 0 ? (atMs - instant(before)) / gapMs : 0;
  return {
    seconds: before.seconds.map((b, i) => b + ((after.seconds[i] ?? Number.NaN) - b) * share),
    gapMs,
  };
}

/**
 * CPU seconds of each process from `fromMs` to `toMs`, each end interpolated between the
 * samples bracketing it (`gapsMs`: how far apart those are, at the start and at the end);
 * undefined when an end has no sample on one side.
 */
export function cpuBetween(samples: CpuSample[], fromMs: number, toMs: number) {
  const from = cpuAt(samples, fromMs);
  const to = cpuAt(samples, toMs);
  if (!from || !to) return undefined;
  return {
    seconds: to.seconds.map((t, i) => t - (from.seconds[i] ?? Number.NaN)),
    gapsMs: [from.gapMs, to.gapMs] as const,
  };
}
