import { randomUUID } from 'node:crypto';
import type { IRedis } from '../redis.js';
import { Probe } from './probe.js';
import type { AdapterFactory, AdapterSettings, Assertion, ConformanceOptions } from './runner.js';

export interface CaseContext {
  /** A fresh adapter from the factory; closed after the case unless the case closed it. */
  redis: IRedis;
  /** A plain connection to the server, to check state without the adapter. */
  probe: Probe;
  /** A key of this case: all share one hash tag, so they live in one cluster slot. */
  key(name: string): string;
  options: ConformanceOptions;
  expect(actual: unknown): Assertion;
}

export interface ConformanceCase {
  name: string;
  timeoutMs?: number;
  /** What the case's adapter must be configured with; the factory gets it. */
  settings?: AdapterSettings;
  run(context: CaseContext): Promise<void>;
}

/**
 * Runs one case on a fresh adapter (made with the case's settings) and probe, then
 * deletes every key it named.
 */
export async function runCase(
  testCase: ConformanceCase,
  factory: AdapterFactory,
  options: ConformanceOptions,
  expect: CaseContext['expect'],
): Promise<void> {
  const tag = `kf-conformance:{${randomUUID()}}`;
  const keys = new Set<string>();
  const probe = new Probe(options.probe);
  const redis = await factory({ ...testCase.settings });
  try {
    await testCase.run({
      redis,
      probe,
      options,
      expect,
      key(name) {
        const key = `${tag}:${name}`;
        keys.add(key);
        return key;
      },
    });
  } finally {
    try {
      for (const key of keys) await probe.command(['DEL', key]);
    } finally {
      await Promise.all([redis.close(), probe.close()]);
    }
  }
}

/** The error a promise rejects with; fails when it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

/**
 * Marks a promise that is awaited only later as handled now, so a fast rejection is not
 * reported as unhandled before the case reaches its `await`. The rejection still
 * reaches that `await`: the returned promise is the same one.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * An error's class name and kf code, to compare with the expected pair: a mismatch then
 * shows what the adapter threw instead, where a bare `isKfError` check shows `false`.
 */
export function nameAndCode(error: unknown): { name: unknown; code: unknown } {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return { name, code };
}

export function elapsedSince(started: number): number {
  return performance.now() - started;
}
