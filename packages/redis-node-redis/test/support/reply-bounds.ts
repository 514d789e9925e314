/**
 * Bounds of the adapter's tests: a command's round trip through node-redis on loopback
 * is about a millisecond; 100 ms covers a driver's queueing and a garbage collection,
 * and ten times that is room for a loaded two-core machine.
 */
export const REPLY_MS = 100;
export const LOAD_MARGIN = 10;
/**
 * The server frees a client whose socket closed on its next turn, and CLIENT LIST reads
 * that back in a round trip: closed connections are polled for within this.
 */
export const CLOSED_SEEN_WITHIN_MS = 2 * REPLY_MS * LOAD_MARGIN;
