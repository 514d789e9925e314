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
   * Its `password` is required: the server must require one (requirepass, or an ACL
   * user with the `default` user's password set) and the adapter be configured with it,
   * so the suite can check that no error carries it. The suite checks that the server
   * refuses a connection without it.
   */
  probe: RespAddress;
  /**
   * Only for an adapter whose README says it cannot log in to Redis at all (no password
   * or ACL user support): that statement, which the suite shows when the server turns
   * out to require a password after all. The password case then checks that the server
   * requires none, instead of searching errors for a password, and `probe.password`
   * must be absent. Leave it out for every adapter that can authenticate.
   */
  cannotAuthenticate?: string;
  /**
   * Replicas attached to the master holding the test keys: `wait` must reach at least
   * one when this is above 0, and answer 0 when it is 0. Default 0.
   */
  replicas?: number;
}

/**
 * What a case asks of the adapter it is given. A factory configures the adapter with
 * every setting given here; an absent one leaves the adapter's default.
 */
export interface AdapterSettings {
  /**
   * The adapter's command timeout in milliseconds: how long a command may wait for its
   * reply, a reconnection included, before it rejects with `CommandTimeoutError`. The
   * cases on timeouts and reconnection set it, so that their bounds follow from it.
   */
  commandTimeoutMs?: number;
}

/**
 * Makes a fresh adapter for one case, configured with `settings` (kf's adapters take
 * the same names in their options: `(settings) => createMyRedis({ ...address, ...settings })`).
 */
export type AdapterFactory = (settings: AdapterSettings) => IRedis | Promise<IRedis>;
