import type { IRedis, RedisTopology } from '../redis.js';
import type { RespAddress } from './resp-connection.js';

/** The matchers the suite uses; vitest's and jest's `expect` both provide them. */
export interface Assertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeGreaterThan(expected: number): void;
  toBeGreaterThanOrEqual(expected: number): void;
  toBeLessThan(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
  toContain(expected: unknown): void;
  toMatch(expected: RegExp | string): void;
  not: Assertion;
}

/** The test functions of the caller's runner, so the testkit does not import one. */
export interface TestRunner {
  describe(name: string, body: () => void): void;
  test(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  expect(actual: unknown): Assertion;
}

export interface ConformanceOptions {
  /** Shown in the suite's name, for example `ioredis Cluster`. */
  name: string;
  /** The topology the adapter must report. */
  topology: RedisTopology;
  /**
   * Any node of the server under test, reached by a plain connection to check state.
   * Its `password` is required: the server must require one (requirepass or an ACL
   * user) and the adapter be configured with it, so the suite can check that no error
   * carries it.
   */
  probe: RespAddress;
  /**
   * Replicas attached to the master holding the test keys: `wait` must reach at least
   * one when this is above 0, and answer 0 when it is 0. Default 0.
   */
  replicas?: number;
}

export type AdapterFactory = () => IRedis | Promise<IRedis>;
