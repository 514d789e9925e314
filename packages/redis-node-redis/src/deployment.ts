import type { RedisTopology } from '@kf/protocol';
import type { DriverCommandOptions } from './driver-types.js';

/** A connection of its own for blocking commands, so they never hold up other commands. */
export interface DedicatedConnection {
  /** Settles once connected; rejects with `ConnectionClosedError` if it never can be. */
  readonly ready: Promise<void>;
  /** Sends one command, routed by `key` on a cluster. */
  send(args: string[], key: string | undefined, options: DriverCommandOptions): Promise<unknown>;
  /** Drops the connection at once, rejecting a command blocked on it. */
  destroy(): Promise<void>;
}

/**
 * Where the adapter's commands go, told the same way for one server, a cluster or
 * Sentinel; each kind routes and opens dedicated connections as its node-redis object
 * allows.
 */
export interface Deployment {
  readonly topology: RedisTopology;
  /**
   * Settles once the shared connection(s) first connected; rejects with
   * `ConnectionClosedError` when they never can (refused login, closed adapter).
   */
  readonly ready: Promise<void>;
  /** Sends one command on the shared connection(s), routed by `key` on a cluster. */
  send(args: string[], key: string | undefined, options: DriverCommandOptions): Promise<unknown>;
  /**
   * Sends WAIT where it means something: on the connection the writes went through,
   * which on a cluster is the one to the master owning `key`'s slot.
   */
  sendWait(
    args: string[],
    key: string | undefined,
    options: DriverCommandOptions,
  ): Promise<unknown>;
  /** Starts opening a dedicated connection; `destroy()` it when giving up on `ready`. */
  openDedicated(): DedicatedConnection;
  /** Closes the shared connection(s) when the adapter opened them; leaves a caller's open. */
  close(): Promise<void>;
}
