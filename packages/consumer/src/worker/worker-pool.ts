import { KafkaErrorCode } from '../errors/kafka-error-code.js';
import type { NodeContext } from '../node/node-context.js';
import { decodeUnit, type WorkUnit } from '../work-unit/work-unit.js';
import { completeUnit } from './complete-unit.js';
import { failUnit } from './fail-unit.js';
import { type AttemptProgress, decideFailure } from './failure-outcome.js';
import { unitInfo } from './message.js';
import { OrphanSweep } from './orphan-sweep.js';
import { retryWhileRedisAway } from './redis-retry.js';
import { retryDelay } from './retry-delay.js';
import { type Delivery, runUnit } from './run-unit.js';

export interface WorkerPoolOptions extends NodeContext {
  concurrency: number;
  delivery: Delivery;
}

// A claim waits this long for work before it looks again: the bound on how long a
// closing node keeps one blocked command open.
const CLAIM_WAIT_MS = 500;
// After Redis failed a claim, the pause before the next, doubled up to the cap.
const CLAIM_PAUSE_MS = 100;
const CLAIM_PAUSE_MAX_MS = 2_000;
// How long a closing node keeps retrying Redis to settle its units after user code was
// given up on; what is still unsettled then is recovered by the leader after the lease.
const SETTLE_GRACE_MS = 5_000;
// Orphans take two sweeps to confirm; at half the lease TTL one is back in the work
// list about as soon as a dead node's units would be.
const MIN_SWEEP_INTERVAL_MS = 500;

/**
 * A node's workers: one loop claims units with a blocking move (one dedicated Redis
 * connection, shared by every slot) whenever a slot is free; each claimed unit runs
 * fetch → user code → completion; a failed unit waits out its backoff in the node's
 * working list (its lease covers it) without holding a slot.
 */
export class WorkerPool {
  private stopping = false;
  private readonly running = new Set<Promise<void>>();
  private readonly delayed = new Map<NodeJS.Timeout, () => Promise<void>>();
  private freeSlot: (() => void) | undefined;
  private claimLoop: Promise<void> | undefined;
  /** Aborted when close() stops waiting for user code: units end where they got to. */
  private readonly closeAbort = new AbortController();
  /** Aborted a grace period later: settlement stops retrying Redis. */
  private readonly settleAbort = new AbortController();
  /** The units this node claimed and has not settled, as claimed: what it holds. */
  private readonly held = new Set<string>();
  private readonly orphans: OrphanSweep;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.orphans = new OrphanSweep(options.redis, options.keys, options.nodeId);
  }

  get inFlight(): number {
    return this.running.size;
  }

  start(): void {
    if (this.claimLoop !== undefined) return;
    this.claimLoop = this.claim();
    const every = Math.max(MIN_SWEEP_INTERVAL_MS, this.options.conf.leaseTtlMs / 2);
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= this.sweepOrphans().finally(() => {
        this.sweeping = undefined;
      });
    }, every);
  }

  /**
   * Stops claiming; running units stop at their next message (user code in progress is
   * awaited up to `timeoutMs`) and are completed up to where they got, the rest queued
   * again; units waiting out a backoff are queued at once.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.freeSlot?.();
    await Promise.all([this.claimLoop, this.sweeping]);
    const deadline = setTimeout(() => this.closeAbort.abort(), timeoutMs);
    const settleDeadline = setTimeout(() => this.settleAbort.abort(), timeoutMs + SETTLE_GRACE_MS);
    try {
      const flushed = [...this.delayed].map(([timer, requeue]) => {
        clearTimeout(timer);
        this.delayed.delete(timer);
        return requeue();
      });
      await Promise.all([...flushed, ...this.running]);
    } finally {
      clearTimeout(deadline);
      clearTimeout(settleDeadline);
    }
  }

  private async claim(): Promise<void> {
    const { redis, keys, nodeId, logger } = this.options;
    let pause = CLAIM_PAUSE_MS;
    while (!this.stopping) {
      if (this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => {
          this.freeSlot = resolve;
        });
        this.freeSlot = undefined;
        continue;
      }
      let raw: string | null;
      try {
        raw = await redis.listBlockingMove(keys.work, keys.working(nodeId), {
          from: 'right',
          to: 'left',
          timeoutMs: CLAIM_WAIT_MS,
        });
        pause = CLAIM_PAUSE_MS;
      } catch (error) {
        this.options.events.report(error, 'claiming a unit failed; trying again');
        await sleep(pause);
        pause = Math.min(CLAIM_PAUSE_MAX_MS, pause * 2);
        continue;
      }
      if (raw === null) continue;
      this.held.add(raw);
      const task = this.process(raw).catch((error: unknown) => {
        // Settlement gave up (only at the close deadline): the unit stays in this node's
        // working list, and the leader recovers it once the lease lapses.
        logger.error({ err: error, unit: raw }, 'a unit could not be settled');
      });
      this.running.add(task);
      void task.finally(() => {
        this.running.delete(task);
        this.freeSlot?.();
      });
    }
  }

  private async process(raw: string): Promise<void> {
    const { conf, nodeId, events } = this.options;
    const decoded = decodeUnit(raw);
    if (!decoded.ok) {
      const outcome = await this.settle(raw, 'error-listing a malformed unit', () =>
        failUnit(this.options.redis, this.options.keys, {
          nodeId,
          claimed: raw,
          unit: undefined,
          requeue: [],
          giveUp: { unit: raw, reason: 'MALFORMED_UNIT', detail: decoded.reason },
          now: Date.now(),
        }),
      );
      events.emit('unitFailed', {
        nodeId,
        unit: undefined,
        raw,
        error: new TypeError(`malformed unit: ${decoded.reason}`),
        outcome,
        reason: 'MALFORMED_UNIT',
      });
      return;
    }
    const unit = decoded.unit;
    events.emit('unitClaimed', { nodeId, unit: unitInfo(unit) });
    const started = performance.now();
    const outcome = await runUnit(unit, {
      kafka: this.options.kafka,
      fetch: conf.fetch,
      isolation: this.options.isolation,
      timeoutMs: conf.unitTimeoutMs,
      delivery: this.options.delivery,
      stopping: () => this.stopping,
      closeSignal: this.closeAbort.signal,
    });
    if (outcome.kind === 'failed') {
      await this.failed(raw, unit, outcome.error, outcome.progress);
      return;
    }
    const processedUpTo = outcome.kind === 'stopped' ? outcome.processedUpTo : undefined;
    const result = await this.settle(raw, 'completing a unit', () =>
      completeUnit(this.options.redis, this.options.keys, {
        nodeId,
        claimed: raw,
        unit,
        ...(processedUpTo === undefined ? {} : { processedUpTo }),
      }),
    );
    events.emit('unitCompleted', {
      nodeId,
      unit: unitInfo(unit),
      messages: outcome.messages,
      durationMs: performance.now() - started,
      ...(processedUpTo === undefined ? {} : { remainderFrom: processedUpTo }),
      possibleDuplicate: result === 'recovered',
    });
  }

  private async failed(
    raw: string,
    unit: WorkUnit,
    error: unknown,
    progress: AttemptProgress,
  ): Promise<void> {
    const { conf, nodeId, events, kafka, logger } = this.options;
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.NotLeader) {
      await kafka.refreshMetadata([unit.topic]).catch((refreshError: unknown) => {
        logger.warn({ err: refreshError, topic: unit.topic }, 'metadata refresh failed');
      });
    }
    const decision = decideFailure(unit, error, progress, conf.maxAttempts);
    const hand = () =>
      this.settle(raw, 'handing a failed unit back', () =>
        failUnit(this.options.redis, this.options.keys, {
          nodeId,
          claimed: raw,
          unit,
          requeue: decision.requeue,
          ...(decision.giveUp ? { giveUp: decision.giveUp } : {}),
          now: Date.now(),
        }),
      );
    if (decision.giveUp !== undefined) {
      const outcome = await hand();
      events.emit('unitFailed', {
        nodeId,
        unit: unitInfo(unit),
        raw,
        error,
        outcome,
        reason: decision.giveUp.reason,
      });
      return;
    }
    const retryInMs = this.stopping ? 0 : retryDelay(unit.attempts, conf);
    const requeue = async () => {
      const outcome = await hand();
      events.emit('unitFailed', { nodeId, unit: unitInfo(unit), raw, error, outcome, retryInMs });
    };
    if (retryInMs === 0) {
      await requeue();
      return;
    }
    // The unit waits in this node's working list, not in a slot: other units run meanwhile.
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      const task = requeue().catch((settleError: unknown) => {
        logger.error({ err: settleError, unit: raw }, 'a failed unit could not be handed back');
      });
      this.running.add(task);
      void task.finally(() => this.running.delete(task));
    }, retryInMs);
    this.delayed.set(timer, requeue);
  }

  /** Writes a claimed unit's outcome; once written, the node no longer holds it. */
  private async settle<T>(raw: string, what: string, write: () => Promise<T>): Promise<T> {
    const result = await retryWhileRedisAway(what, write, {
      logger: this.options.logger,
      signal: this.settleAbort.signal,
    });
    this.held.delete(raw);
    return result;
  }

  private async sweepOrphans(): Promise<void> {
    const { nodeId, events, logger } = this.options;
    try {
      const units = await this.orphans.sweep(this.held);
      if (units === 0) return;
      logger.warn(
        { node: nodeId, units },
        'units in this node working list that it never held (a claim reply lost, or a completion undone by a fail-over) were queued again',
      );
      events.emit('orphansRequeued', { nodeId, units });
    } catch (error) {
      events.report(error, 'sweeping the working list for orphaned units failed');
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
