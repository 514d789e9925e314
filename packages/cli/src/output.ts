import Table from 'cli-table3';

/** Where a command writes: stdout for results, stderr for the one-line errors. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * Uncoloured, so the output reads the same in a terminal, a CI log and a test; no rule
 * between rows, so a topic of many partitions stays readable.
 */
const STYLE = {
  style: { head: [], border: [] },
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
};

export function table(head: string[]): Table.Table {
  return new Table({ head, ...STYLE });
}

/** Two columns, a name and its value, for one object. */
export function fields(rows: Array<[string, string]>): string {
  const t = new Table(STYLE);
  for (const [name, value] of rows) t.push({ [name]: value });
  return t.toString();
}

/** `--json`: the result as it is, indented, for scripts. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** `1.7 s`, `350 ms`, `-2.1 s` (expired that long ago). */
export function duration(ms: number): string {
  return Math.abs(ms) < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

export function time(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : 'unknown';
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `null` as a dash: a value that does not exist yet. */
export function orDash(value: number | null): string {
  return value === null ? '-' : String(value);
}
