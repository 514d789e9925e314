import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { expect } from 'vitest';

export interface FailoverDrillOptions {
  redis: IRedis;
  /** A hash tag owned by the master that `kill` takes down. */
  tag: string;
  /** Takes the master down (kill -9). */
  kill: () => void;
  /** Writes to make before the kill, proving the loop runs. */
  writesBefore?: number;
  /** Successful writes wanted after the first one that follows the kill. */
  writesAfter?: number;
  /** When to give up waiting for the adapter to serve again. */
  deadlineMs: number;
}

export interface FailoverDrillReport {
  /** From the kill to the first write sent after it that succeeded. */
  recoveryMs: number | undefined;
  /** Every error a call surfaced meanwhile, in order. */
  errors: unknown[];
  acknowledgedBefore: number;
  acknowledgedAfter: number;
  /** What the move blocked across the kill came back with. */
  blocked: { value: string | null } | { error: unknown };
  /** The element pushed after recovery, for the blocked move to take. */
  pushedForBlocked: string;
}

/**
 * Kills a master while a loop of writes and a blocked BLMOVE run through the adapter,
 * and reports how long the adapter took to serve again and what surfaced meanwhile.
 * The loop is bounded by `deadlineMs` and stops by itself.
 */
export async function runFailoverDrill(
  options: FailoverDrillOptions,
): Promise<FailoverDrillReport> {
  const { redis, tag, deadlineMs } = options;
  const log = `${tag}:log`;
  const work = `${tag}:work`;
  const errors: unknown[] = [];
  const blocked = redis
    .listBlockingMove(work, `${tag}:claimed`, { from: 'right', to: 'left', timeoutMs: deadlineMs })
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  let acknowledgedBefore = 0;
  for (let i = 0; i < (options.writesBefore ?? 20); i++) {
    await redis.listPush(log, [`before-${i}`], { side: 'right' });
    acknowledgedBefore++;
  }
  const killedAt = performance.now();
  options.kill();
  let recoveryMs: number | undefined;
  let acknowledgedAfter = 0;
  for (let i = 0; acknowledgedAfter < (options.writesAfter ?? 20); i++) {
    if (performance.now() - killedAt > deadlineMs) break;
    try {
      await redis.listPush(log, [`after-${i}`], { side: 'right' });
      recoveryMs ??= performance.now() - killedAt;
      acknowledgedAfter++;
    } catch (error) {
      errors.push(error);
      // A call failing fast (rather than waiting for the fail-over) must not spin.
      await delay(50);
    }
  }
  const pushedForBlocked = `unit-${tag}`;
  if (recoveryMs !== undefined) await redis.listPush(work, [pushedForBlocked], { side: 'left' });
  return {
    recoveryMs,
    errors,
    acknowledgedBefore,
    acknowledgedAfter,
    blocked: await blocked,
    pushedForBlocked,
  };
}

export interface FailoverExpectations {
  /** What was killed and how fast it is detected, for the printed report. */
  label: string;
  /** The adapter's command timeout, when shorter than a fail-over; undefined for the default. */
  commandTimeoutMs: number | undefined;
  /** The generous bound the recovery must stay within. */
  recoveryBoundMs: number;
}

/**
 * Prints the measured recovery time and checks the drill: served again within the
 * bound, every write after the kill done, the blocked move completed, and every error
 * meanwhile a kf error: none when the command timeout outlasts the fail-over, only
 * `CommandTimeoutError` when it is shorter.
 */
export function expectFailoverRidden(
  report: FailoverDrillReport,
  expectations: FailoverExpectations,
): void {
  const { commandTimeoutMs } = expectations;
  // biome-ignore lint/suspicious/noConsole: the measured recovery time is the drill's report
  console.log(
    `${expectations.label} (command timeout ${commandTimeoutMs ?? 'default'}): served again ` +
      `${report.recoveryMs?.toFixed(0)} ms after kill -9; errors meanwhile: ${report.errors.length}` +
      errorKinds(report.errors),
  );
  expect(report.recoveryMs).toBeDefined();
  expect(report.recoveryMs).toBeLessThan(expectations.recoveryBoundMs);
  expect(report.acknowledgedAfter).toBe(20);
  expect(report.errors.filter((e) => !isKfError(e))).toEqual([]);
  if (commandTimeoutMs === undefined) {
    expect(report.errors).toEqual([]);
  } else {
    expect(report.errors.length).toBeGreaterThan(0);
    const codes = new Set(report.errors.map((e) => (e as { code: string }).code));
    expect(codes).toEqual(new Set([ErrorCode.CommandTimeout]));
  }
  expect(report.blocked).toEqual({ value: report.pushedForBlocked });
}

/** The errors by kind and message, with counts: what a failed drill must say. */
function errorKinds(errors: unknown[]): string {
  const kinds = new Map<string, number>();
  for (const error of errors) {
    const e = error as { name?: string; code?: string; message?: string } | null;
    const kind = `${e?.name ?? typeof error} ${e?.code ?? ''}: ${e?.message ?? String(error)}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n]) => `\n  ${n} × ${kind}`).join('');
}
