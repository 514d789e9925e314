// Wall-clock bounds the fault scenarios share, each configuration plus a stated margin.

/** A SIGKILLed process is gone at once; the margin covers its reaping on a loaded machine. */
export const DEATH_BOUND_MS = 2_000;
/**
 * `reconnectDelay` of kf's ioredis adapters (`clusterRetryStrategy` for a Cluster): a lost
 * connection is tried again at most this late.
 */
const RECONNECT_DELAY_MAX_MS = 1_000;
/** A worker whose claim failed tries again after at most this (`CLAIM_PAUSE_MAX_MS`). */
const CLAIM_PAUSE_MAX_MS = 2_000;
/**
 * Redis serving again → a unit claimed: the adapter reconnects at most `reconnectDelay`
 * later, and a worker whose claim failed meanwhile tries again at most its pause cap after.
 */
export const RECLAIM_BOUND_MS = RECONNECT_DELAY_MAX_MS + CLAIM_PAUSE_MAX_MS;
/** Waits give up at twice their bound, so a slow step fails its assertion, with its figure. */
export const WAIT_FACTOR = 2;
/**
 * Draining after production stops: the backlog is at most what was produced, which took
 * the run's elapsed time at its rate (a fault's outage included), and the nodes kept up
 * with that rate before the fault, so at most as long again; margin 30 s (a fail-over's
 * retries, a loaded machine).
 */
export const DRAIN_MARGIN_MS = 30_000;
