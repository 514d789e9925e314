/**
 * The times the conformance cases allow, each derived from what it covers and a stated
 * margin, so a bound can be judged (and changed) where it is set rather than guessed.
 *
 * Seen over 16 runs of the suite (the five adapters' topologies, node-redis 5 and 6) on
 * two cores at a load average of 15 to 18: a blocked move woke 2 ms at most after the
 * push, SET and GET beside a blocked move took 4 ms, close() rejected a blocked move
 * within 8 ms, and a move was seen blocked on the server within 0.2 s of the call.
 */

/**
 * One command's round trip through a driver to a server on loopback: about a
 * millisecond; 100 ms covers a driver's own queueing and a garbage collection.
 */
export const REPLY_MS = 100;

/**
 * How long an adapter takes to open a dedicated connection and block on it: a Sentinel
 * adapter asks a sentinel for the master first, which node-redis's does in about 0.5 s.
 * The same covers opening an adapter (and its first connection) for a case.
 */
export const BLOCKS_MS = 500;

/**
 * How late the server answers a blocked command whose timeout passed: it checks the
 * deadlines of blocked clients when its event loop wakes, at least every 100 ms (hz 10).
 */
export const SERVER_TIMER_MS = 100;

/**
 * How long the server takes to drop a client whose loopback socket closed, and the
 * blocked command with it: one turn of its event loop.
 */
export const SERVER_DROPS_CLOSED_MS = 100;

/** Room for a loaded two-core machine whose other suites run servers of their own. */
export const LOAD_MARGIN = 10;

/**
 * What every case spends besides its own steps, at the margin: opening the adapter and
 * the probe (BLOCKS_MS), deleting its keys and closing both (a few round trips).
 */
export const CASE_OVERHEAD_MS = (BLOCKS_MS + 5 * REPLY_MS) * LOAD_MARGIN;

/** A case's time limit: the overhead plus the bounds of the steps it waits on. */
export function caseTimeout(...stepBoundsMs: number[]): number {
  return stepBoundsMs.reduce((sum, ms) => sum + ms, CASE_OVERHEAD_MS);
}
