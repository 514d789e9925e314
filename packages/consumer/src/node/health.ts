import { redact } from '@kf/protocol';
import type { ClaimLoopState } from '../worker/worker-pool.js';
import type { LeaseHealth } from './lease-keeper.js';

/** One call to a service, as a health probe saw it. */
export interface ProbeResult {
  ok: boolean;
  /** How long the call took, when it answered. */
  latencyMs?: number;
  /** What failed, when it did: the error's message (credentials masked), or the timeout. */
  error?: string;
}

/** What `health()` looked at. */
export interface HealthChecks {
  state: 'running' | 'closing' | 'closed';
  /** The node's lease by its own clock: renewal age, TTL, and whether the timer runs. */
  lease: LeaseHealth;
  /**
   * The workers' claim loop: `not-started` until `run()` or iteration; `failingForMs`
   * while its claims fail (Redis away), which it keeps retrying.
   */
  claimLoop: {
    state: 'not-started' | 'running' | 'stopped' | 'failed';
    failingForMs?: number;
    error?: string;
  };
  /** A GET of the group's paused key, bounded by the probe timeout. */
  redis: ProbeResult;
  /** A metadata request for no topic (the brokers only), bounded by the probe timeout. */
  kafka: ProbeResult;
  leader: boolean;
  /**
   * Whether the group is paused: as the Redis probe read it, or as the organiser last
   * saw it when Redis did not answer.
   */
  paused: boolean;
}

export interface NodeHealth {
  /**
   * The process's own loops work: the node is not closed, its lease timer keeps sending
   * renewals, its claim loop has not died. Redis or Kafka being away does not make it
   * false (restarting the process would not bring them back).
   */
  live: boolean;
  /**
   * It can do work now: live, running (not closing), its lease current, and Redis and
   * Kafka answering within the probe timeout. A paused group stays ready.
   */
  ready: boolean;
  /** Why `live` or `ready` is false, one line per failed check; empty when both hold. */
  reasons: string[];
  checks: HealthChecks;
}

export interface HealthOptions {
  /**
   * The bound on each probe (Redis, Kafka), which run together. Default
   * `conf.leaseTtlMs / 3`, the lease's renewal period: a Redis slower than that already
   * eats into the lease's margin.
   */
  timeoutMs?: number;
}

/** What a node hands `checkHealth`: its own state, and the two calls to make. */
export interface HealthSources {
  state: HealthChecks['state'];
  lease: LeaseHealth;
  /** Undefined while the node does not consume. */
  claimLoop: ClaimLoopState | undefined;
  leader: boolean;
  /** The organiser's last look at the paused key. */
  pausedLastSeen: boolean;
  /** Reads the group's paused key: its value, or null when absent. */
  readPaused: () => Promise<string | null>;
  /** Any Kafka request that proves the brokers answer. */
  reachKafka: () => Promise<unknown>;
  timeoutMs: number;
  /** Masked in every error text. */
  secrets: readonly string[];
}

/** Probes Redis and Kafka together, each bounded, and judges liveness and readiness. */
export async function checkHealth(sources: HealthSources): Promise<NodeHealth> {
  const { state, timeoutMs, secrets } = sources;
  const closed: ProbeResult = { ok: false, error: 'the node is closed' };
  let pausedRead: boolean | undefined;
  const [redis, kafka] =
    state === 'closed'
      ? [closed, closed]
      : await Promise.all([
          probe(
            async () => {
              pausedRead = (await sources.readPaused()) !== null;
            },
            timeoutMs,
            secrets,
          ),
          probe(sources.reachKafka, timeoutMs, secrets),
        ]);
  const checks: HealthChecks = {
    state,
    lease: sources.lease,
    claimLoop: claimLoopCheck(sources.claimLoop, secrets),
    redis,
    kafka,
    leader: sources.leader,
    paused: pausedRead ?? sources.pausedLastSeen,
  };
  const notLive = livenessReasons(checks);
  const notReady = readinessReasons(checks);
  return {
    live: notLive.length === 0,
    ready: notLive.length === 0 && notReady.length === 0,
    reasons: [...notLive, ...notReady],
    checks,
  };
}

function livenessReasons(checks: HealthChecks): string[] {
  const reasons: string[] = [];
  const { state, lease, claimLoop } = checks;
  if (state === 'closed') reasons.push('node: closed');
  if (state === 'running') {
    if (!lease.renewing) reasons.push('lease: its renewal timer is not running');
    // The timer sends a renewal every period whether or not Redis answers; none for two
    // periods means the timer or the event loop stood still.
    else if (lease.attemptedAgoMs !== undefined && lease.attemptedAgoMs > 2 * lease.periodMs) {
      reasons.push(
        `lease: no renewal sent for ${lease.attemptedAgoMs} ms (one is due every ${Math.round(lease.periodMs)} ms)`,
      );
    }
  }
  if (claimLoop.state === 'failed') {
    reasons.push(`claim loop: ended with an error: ${claimLoop.error}`);
  } else if (claimLoop.state === 'stopped' && state === 'running') {
    reasons.push('claim loop: stopped while the node runs');
  }
  return reasons;
}

function readinessReasons(checks: HealthChecks): string[] {
  const reasons: string[] = [];
  const { state, lease, redis, kafka } = checks;
  if (state === 'closing') reasons.push('node: closing');
  if (state === 'closed') return reasons;
  if (!lease.live) {
    reasons.push(
      lease.renewedAgoMs === undefined
        ? 'lease: never renewed'
        : `lease: last renewed ${lease.renewedAgoMs} ms ago, longer than its TTL of ${lease.ttlMs} ms`,
    );
  }
  if (!redis.ok) reasons.push(`redis: ${redis.error}`);
  if (!kafka.ok) reasons.push(`kafka: ${kafka.error}`);
  return reasons;
}

function claimLoopCheck(
  loop: ClaimLoopState | undefined,
  secrets: readonly string[],
): HealthChecks['claimLoop'] {
  if (loop === undefined) return { state: 'not-started' };
  if (loop.state === 'failed') return { state: 'failed', error: describe(loop.error, secrets) };
  if (loop.state === 'running' && loop.failingForMs !== undefined) {
    return { state: 'running', failingForMs: Math.round(loop.failingForMs) };
  }
  return { state: loop.state };
}

/**
 * `call`, bounded by `timeoutMs`: a hung connection must not hang the probe. A call
 * still out at the bound settles later unobserved (its outcome is already reported).
 */
async function probe(
  call: () => Promise<unknown>,
  timeoutMs: number,
  secrets: readonly string[],
): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([call().then(() => 'answered' as const), bound]);
    if (outcome === 'timeout') return { ok: false, error: `no answer within ${timeoutMs} ms` };
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error: describe(error, secrets) };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown, secrets: readonly string[]): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
  return redact(text, secrets);
}
