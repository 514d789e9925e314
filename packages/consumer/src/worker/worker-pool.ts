import { KafkaErrorCode } from '@kf/protocol';
import { RepeatLimiter } from '../logging/repeat-limiter.js';
import type { LeaseGuard } from '../node/lease-keeper.js';
import type { NodeContext } from '../node/node-context.js';
import type { UnitFailedEvent } from '../node/node-events.js';
import { decodeUnit, type WorkUnit } from '../work-unit/work-unit.js';
import { claimUnits, waitForWork } from './claim.js';
import { completeUnit } from './complete-unit.js';
import { failUnit } from './fail-unit.js';
import { logUnitFailure } from './failure-log.js';
import { type AttemptProgress, decideFailure } from './failure-outcome.js';
import { FetchSizes } from './fetch-sizes.js';
import { unitInfo } from './message.js';
import { OrphanSweep } from './orphan-sweep.js';
import { retryWhileRedisAway } from './redis-retry.js';
import { retryDelay, UnavailabilityBackoff } from './retry-delay.js';
import { type Delivery, type LateCall, runUnit } from './run-unit.js';
import { UnitSlots } from './unit-slots.js';

/**
 * The claim loop as a health probe sees it: `failed` is a defect (the loop threw past
 * its own error handling), `stopped` is a pool that was stopped.
 */
export type ClaimLoopState =
  | { state: 'running'; failingForMs?: number }
  | { state: 'stopped' }
  | { state: 'failed'; error: unknown };

export interface WorkerPoolOptions extends NodeContext {
  concurrency: number;
  delivery: Delivery;
  lease: LeaseGuard;
}

// Units carrying their records make a claim's reply up to inlineRecordsMaxBytes (and a
// third for base64) per unit: one reply stays within a few MiB whatever the concurrency.
const CLAIM_REPLY_MAX_BYTES = 4 * 1_048_576;
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
 * A node's workers: one loop claims units whenever slots are free, as many as are free
 * (up to `claimMost`) in one lease-checked claim script (and a blocking wait for work on one dedicated Redis
 * connection shared by every slot); each claimed unit runs fetch → user code → completion; a failed unit
 * waits out its backoff in the node's working list (its lease covers it) without
 * holding a slot.
 */
export class WorkerPool {
  private stopping = false;
  private readonly slots: UnitSlots;
  private readonly delayed = new Map<NodeJS.Timeout, () => Promise<void>>();
  private claimLoop: Promise<void> | undefined;
  /** Aborted when close() stops waiting for user code: units end where they got to. */
  private readonly closeAbort = new AbortController();
  /** Aborted a grace period later: settlement stops retrying Redis. */
  private readonly settleAbort = new AbortController();
  /** The units this node claimed and has not settled, as claimed: what it holds. */
  private readonly held = new Set<string>();
  private readonly orphans: OrphanSweep;
  /** The backoff of units Kafka could not serve, which do not count attempts. */
  private readonly unavailable: UnavailabilityBackoff;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private loopState: ClaimLoopState = { state: 'running' };
  /** When claims started failing, while they do. */
  private claimFailingSince: number | undefined;
  /** Partitions Kafka cannot serve, each said once while it lasts and once when over. */
  private readonly unavailableLog: RepeatLimiter;
  /** Each partition's bytes per offset so far, which its units' fetches are sized by. */
  private readonly fetchSizes: FetchSizes;
  /** The last wait for work ran out with the work list empty throughout. */
  private waitedInVain = false;
  /** The most units one claim takes: the slots, and a bound on the reply's size. */
  private readonly claimMost: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = new UnitSlots(options.concurrency);
    this.orphans = new OrphanSweep(options.redis, options.keys, options.nodeId);
    this.unavailable = new UnavailabilityBackoff(options.conf);
    this.unavailableLog = new RepeatLimiter(options.logger);
    this.fetchSizes = new FetchSizes(options.conf.fetch.maxBytes);
    const carried = options.conf.inlineRecordsMaxBytes;
    this.claimMost = Math.max(
      1,
      Math.min(options.concurrency, Math.floor(CLAIM_REPLY_MAX_BYTES / Math.max(1, carried))),
    );
  }

  get inFlight(): number {
    return this.slots.units;
  }

  /** Whether the claim loop runs, and since when its claims fail (Redis away). */
  claimLoopState(): ClaimLoopState {
    if (this.loopState.state !== 'running' || this.claimFailingSince === undefined) {
      return this.loopState;
    }
    return { state: 'running', failingForMs: performance.now() - this.claimFailingSince };
  }

  start(): void {
    if (this.claimLoop !== undefined) return;
    this.claimLoop = this.claim();
    this.claimLoop.then(
      () => {
        this.loopState = { state: 'stopped' };
      },
      (error: unknown) => {
        // stop() awaits the loop too, and reports this again when the node closes.
        this.loopState = { state: 'failed', error };
        this.options.events.report(
          error,
          'the claim loop ended with an error; this node claims nothing more',
        );
      },
    );
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
    this.slots.close();
    await Promise.all([this.claimLoop, this.sweeping]);
    const deadline = setTimeout(() => this.closeAbort.abort(), timeoutMs);
    const settleDeadline = setTimeout(() => this.settleAbort.abort(), timeoutMs + SETTLE_GRACE_MS);
    try {
      for (const [timer, requeue] of this.delayed) {
        clearTimeout(timer);
        this.delayed.delete(timer);
        void this.slots.track(requeue().catch((error: unknown) => this.unsettled(error)));
      }
      await this.slots.drain();
    } finally {
      clearTimeout(deadline);
      clearTimeout(settleDeadline);
    }
  }

  private async claim(): Promise<void> {
    let pause = CLAIM_PAUSE_MS;
    while (!this.stopping) {
      const first = await this.slots.acquire();
      if (first === undefined) return;
      // The slots free now (up to claimMost) are filled by the same claim: one round trip.
      const releases = [first, ...(await this.slots.acquireFree(this.claimMost - 1))];
      if (this.stopping) {
        for (const release of releases) release();
        return;
      }
      let claimed: { raws: string[]; lapses: number } | undefined;
      try {
        claimed = await this.claimSome(releases.length);
        pause = CLAIM_PAUSE_MS;
        this.claimsWork();
      } catch (error) {
        for (const release of releases) release();
        this.claimFailingSince ??= performance.now();
        this.options.events.report(error, 'claiming a unit failed; trying again');
        await sleep(pause);
        pause = Math.min(CLAIM_PAUSE_MAX_MS, pause * 2);
        continue;
      }
      const raws = claimed?.raws ?? [];
      // The slots the claim found no unit for are free again at once.
      for (const release of releases.slice(raws.length)) release();
      if (claimed === undefined) continue;
      const { lapses } = claimed;
      raws.forEach((raw, i) => {
        this.held.add(raw);
        const task = this.process(raw, lapses)
          .catch((error: unknown) => this.unsettled(error, raw))
          .finally(releases[i]);
        void this.slots.trackUnit(task);
      });
    }
  }

  /** A claim went through: a stretch of failed claims, if any, is over, and said so. */
  private claimsWork(): void {
    if (this.claimFailingSince === undefined) return;
    const failedForMs = Math.round(performance.now() - this.claimFailingSince);
    this.claimFailingSince = undefined;
    this.options.logger.info(
      { node: this.options.nodeId, failedForMs },
      'claiming units works again',
    );
  }

  /**
   * One claim: up to `most` units taken (one at least), with the lease's lapse count they
   * were claimed under, or `undefined` once the work list was found empty and waited on
   * (up to CLAIM_WAIT_MS), or the lease renewed. The lease is checked by the claim
   * itself, so a node the leader recovered while it stalled claims nothing until it is
   * back in the lease set, where the leader watches its working list again.
   */
  private async claimSome(most: number): Promise<{ raws: string[]; lapses: number } | undefined> {
    const { redis, keys, nodeId, lease } = this.options;
    if (!lease.live()) {
      await lease.renew();
      // Still not live: the renewal took longer than the lease lasts. A unit claimed now
      // would be fenced at once; look again instead.
      if (!lease.live()) return undefined;
    }
    if (this.waitedInVain) {
      // The work list stayed empty for the whole last wait: a claim now would find it
      // empty too, one script per wait for nothing (most of an idle node's Redis round
      // trips). Wait again; claim once the wait sees work. Cleared first: a wait that
      // throws (its connection refused while the others work) leaves the next look to
      // the claim script, which does not block.
      this.waitedInVain = false;
      this.waitedInVain = !(await waitForWork(redis, keys, CLAIM_WAIT_MS));
      return undefined;
    }
    // Read after any renewal above: a lapse reported later may mean the unit went elsewhere.
    const lapses = lease.lapses;
    const result = await claimUnits(redis, keys, nodeId, most);
    if (result.kind === 'claimed') return { raws: result.raws, lapses };
    if (result.kind === 'no-lease') await lease.renew();
    else this.waitedInVain = !(await waitForWork(redis, keys, CLAIM_WAIT_MS));
    return undefined;
  }

  /**
   * Tells `unitFailed` listeners and the log of a unit's failure: `logged` when a line
   * already covers it, `listed` the part that went to the error list.
   */
  private reportFailure(
    event: UnitFailedEvent,
    options: { logged?: boolean; listed?: WorkUnit | string } = {},
  ): void {
    this.options.events.emit('unitFailed', event);
    if (!options.logged) logUnitFailure(this.options.logger, event, options.listed);
  }

  private async process(raw: string, lapses: number): Promise<void> {
    const { conf, nodeId, events, lease } = this.options;
    const decoded = decodeUnit(raw);
    if (!decoded.ok) {
      const outcome = await this.settle(raw, undefined, 'error-listing a malformed unit', () =>
        failUnit(this.options.redis, this.options.keys, {
          nodeId,
          claimed: raw,
          unit: undefined,
          requeue: [],
          giveUp: { unit: raw, reason: 'MALFORMED_UNIT', detail: decoded.reason },
          now: Date.now(),
        }),
      );
      if (outcome === undefined) return;
      this.reportFailure({
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
    if (unit.unreadableRecords !== undefined) {
      this.options.logger.warn(
        { node: nodeId, unit: unit.id, reason: unit.unreadableRecords },
        'the records a unit carries are malformed; they are fetched from Kafka instead',
      );
    }
    events.emit('unitClaimed', { nodeId, unit: unitInfo(unit) });
    const started = performance.now();
    const outcome = await runUnit(unit, {
      kafka: this.options.kafka,
      fetch: conf.fetch,
      sizes: this.fetchSizes,
      isolation: this.options.isolation,
      timeoutMs: conf.handlerTimeoutMs,
      delivery: this.options.delivery,
      // A node whose lease may have lapsed, or did lapse since the claim (a renewal after
      // a stall makes it live again), hands user code nothing more of the unit: the
      // leader may have given it to another node. The rest of it is queued again.
      stopping: () => this.stopping || !lease.live() || lease.lapses !== lapses,
      closeSignal: this.closeAbort.signal,
      unreadableRecords: (error) =>
        this.options.logger.warn(
          { err: error, node: nodeId, unit: unit.id },
          'the records a unit carries could not be read; they were fetched from Kafka instead',
        ),
      // Kafka answered a fetch of the partition: a stretch of unavailability is over, and
      // the next leader move waits retryBackoffMs again.
      served: () => {
        this.unavailable.served(unit.topic, unit.partition);
        this.unavailableLog.resolve(
          `${unit.topic}/${unit.partition}`,
          { topic: unit.topic, partition: unit.partition },
          'the partition is fetched again',
        );
      },
    });
    if (outcome.kind === 'failed') {
      if (outcome.overrun !== undefined) await this.overran(unit, outcome.overrun);
      await this.failed(raw, unit, outcome.error, outcome.progress);
      return;
    }
    const stopped = outcome.kind === 'stopped' ? outcome : undefined;
    const processedUpTo = stopped?.processedUpTo;
    const result = await this.settle(raw, unit, 'completing a unit', () =>
      completeUnit(this.options.redis, this.options.keys, {
        nodeId,
        claimed: raw,
        unit,
        ...(stopped === undefined
          ? {}
          : { processedUpTo: stopped.processedUpTo, remainderHanded: stopped.handed }),
      }),
    );
    if (result === undefined) return;
    events.emit('unitCompleted', {
      nodeId,
      unit: unitInfo(unit),
      messages: outcome.messages,
      durationMs: performance.now() - started,
      ...(processedUpTo === undefined ? {} : { remainderFrom: processedUpTo }),
      possibleDuplicate: result === 'recovered',
    });
  }

  /**
   * A call ran past its time and still runs: user code that ignored its signal, or a
   * fetch kafkajs has not settled. It is reported once it settles: user code by
   * `handlerOverrun`; a fetch only in the log (its failure is the unit's, reported by
   * `unitFailed`, after this wait under partition ordering). Under `ordering:
   * 'partition'` the unit is not handed back until then: its retry, or the partition's
   * next unit, would run beside the call still going. A closing node stops waiting at
   * its deadline.
   */
  private async overran(unit: WorkUnit, late: LateCall): Promise<void> {
    const { conf, nodeId, events, logger } = this.options;
    const userCode = late.of === 'user-code';
    if (conf.ordering === 'partition') {
      logger.warn(
        { node: nodeId, unit: unit.id },
        userCode
          ? 'user code ran past its time and ignores its signal; its partition waits until it settles'
          : 'a fetch got no reply within handlerTimeoutMs and has not settled; its partition waits until it does',
      );
    }
    const reported = late.settled.then(() => {
      // Emitted through the sink, which keeps a throwing listener from rejecting this.
      const overrunMs = performance.now() - late.since;
      const fields = { node: nodeId, unit: unit.id, overrunMs: Math.round(overrunMs) };
      if (!userCode) {
        logger.info(fields, 'a fetch given up on at handlerTimeoutMs has settled');
        return;
      }
      logger.warn(fields, 'user code settled after its time had run out (it ignored its signal)');
      events.emit('handlerOverrun', { nodeId, unit: unitInfo(unit), overrunMs });
    });
    if (conf.ordering !== 'partition') return;
    await this.untilClosing(reported);
  }

  /** Waits for `work`, or until the node starts closing, whichever comes first. */
  private async untilClosing(work: Promise<unknown>): Promise<void> {
    const signal = this.closeAbort.signal;
    let onClose: (() => void) | undefined;
    const closing = new Promise<void>((resolve) => {
      onClose = () => resolve();
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', onClose, { once: true });
    });
    try {
      await Promise.race([work, closing]);
    } finally {
      if (onClose !== undefined) signal.removeEventListener('abort', onClose);
    }
  }

  private async failed(
    raw: string,
    unit: WorkUnit,
    error: unknown,
    progress: AttemptProgress,
  ): Promise<void> {
    const { conf, nodeId, kafka, logger } = this.options;
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.NotLeader) {
      // Its retry should find the new leader; but a refresh asking a hung broker can take
      // kafkajs's request timeout twice over, and a close does not wait for it: the unit
      // is handed back at once and the refresh goes on without it.
      // Its failure is the same broker trouble as the fetch's, which the partition's
      // warning below says; the next retry refreshes again.
      const refresh = kafka.refreshMetadata([unit.topic]).catch((refreshError: unknown) => {
        logger.debug(
          { err: refreshError, topic: unit.topic },
          'metadata refresh after a failed fetch failed',
        );
      });
      await this.untilClosing(refresh);
    }
    const decision = decideFailure(unit, error, progress, conf.maxAttempts);
    const hand = () =>
      this.settle(raw, unit, 'handing a failed unit back', () =>
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
      if (outcome === undefined) return;
      this.reportFailure(
        {
          nodeId,
          unit: unitInfo(unit),
          raw,
          error,
          outcome,
          reason: decision.giveUp.reason,
        },
        { listed: decision.giveUp.unit },
      );
      return;
    }
    const retryInMs = this.stopping
      ? 0
      : decision.unavailable
        ? this.unavailable.next(unit.topic, unit.partition)
        : retryDelay(unit.attempts, conf);
    if (decision.unavailable) {
      // A leader moving or a broker restarting: handled (retried without counting an
      // attempt), so a warning once per partition while it lasts, not one per retry.
      this.unavailableLog.log(
        `${unit.topic}/${unit.partition}`,
        'warn',
        { err: error, topic: unit.topic, partition: unit.partition, retryInMs },
        'a partition could not be fetched (its leader moved or its broker is away); its units are retried without counting attempts',
      );
    }
    const requeue = async () => {
      const outcome = await hand();
      if (outcome === undefined) return;
      // A partition Kafka could not serve is logged above, once while it lasts.
      this.reportFailure(
        { nodeId, unit: unitInfo(unit), raw, error, outcome, retryInMs },
        { logged: decision.unavailable && outcome === 'requeued' },
      );
    };
    if (retryInMs === 0) {
      await requeue();
      return;
    }
    // The unit waits in this node's working list, not in a slot: other units run meanwhile.
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      void this.slots.track(requeue().catch((error: unknown) => this.unsettled(error, raw)));
    }, retryInMs);
    this.delayed.set(timer, requeue);
  }

  /**
   * Writes a claimed unit's outcome; once written, the node no longer holds it. Redis
   * being briefly away is retried. A refusal that retrying does not cure (`NOPERM`,
   * `OOM`, `NOSCRIPT`) leaves the unit in this node's working list, unheld: the orphan
   * sweep queues it again once Redis accepts the write, and both steps are reported, so
   * the unit is never stranded on a live node. Resolves `undefined` then.
   */
  private async settle<T>(
    raw: string,
    unit: WorkUnit | undefined,
    what: string,
    write: () => Promise<T>,
  ): Promise<T | undefined> {
    let result: T;
    try {
      result = await retryWhileRedisAway(what, write, {
        logger: this.options.logger,
        signal: this.settleAbort.signal,
      });
    } catch (error) {
      if (this.settleAbort.signal.aborted) throw error;
      this.held.delete(raw);
      const { nodeId, events } = this.options;
      events.report(error, `${what} failed; the unit is queued again once Redis accepts writes`);
      events.emit('settleFailed', {
        nodeId,
        unit: unit === undefined ? undefined : unitInfo(unit),
        raw,
        error,
      });
      return undefined;
    }
    this.held.delete(raw);
    return result;
  }

  /**
   * Settlement gave up (only at the close deadline): the unit stays in this node's
   * working list, and the leader recovers it once the lease lapses.
   */
  private unsettled(error: unknown, unit?: string): void {
    this.options.logger.error(
      { err: error, ...(unit === undefined ? {} : { unit }) },
      'a unit could not be settled before the close deadline; the leader recovers it once this node lease lapses',
    );
  }

  private async sweepOrphans(): Promise<void> {
    const { nodeId, events, logger } = this.options;
    try {
      const units = await this.orphans.sweep(this.held);
      if (units === 0) return;
      logger.warn(
        { node: nodeId, units },
        'units in this node working list that it did not hold (a claim reply lost, a completion undone by a fail-over, a settlement Redis refused) were queued again',
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
