import type { RunResult } from './run-consumers.js';

/** Messages a second over a run. */
export const rate = (r: RunResult) => (r.messages / r.elapsedMs) * 1_000;

/** MiB a second over a run. */
export const mbRate = (r: RunResult) => r.bytes / 1_048_576 / (r.elapsedMs / 1_000);

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function spread(values: number[], unit: string): string {
  const s = values.length === 1 ? '' : 's';
  const figures = values.map((v) => v.toFixed(0)).join(', ');
  return `${values.length} round${s}: ${figures}${unit ? ` ${unit}` : ''}`;
}
