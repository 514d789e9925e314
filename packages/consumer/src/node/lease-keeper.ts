import type { NodeLeases } from '@kf/core';
import type { Logger } from '@kf/protocol';
import type { EventSink } from './node-events.js';

/** What the workers ask of the node's lease. */
export interface LeaseGuard {
  /**
   * Whether the lease is surely live by this node's own clock: less than a TTL has
   * passed since a renewal that succeeded was sent. False after a stall (a long GC, a
   * paused process) even before the node learns whether it was recovered meanwhile.
   */
  live(): boolean;
  /**
   * How many times a renewal found the lease had lapsed. A unit claimed before a lapse
   * may have been recovered and given to another node: the renewal that follows the
   * lapse makes `live()` true again, so a unit is fenced on this count too.
   */
  readonly lapses: number;
  /** Renews now (callers arriving meanwhile share one renewal); rejects when Redis does. */
  renew(): Promise<void>;
}

/** The lease as a health probe sees it, by this node's own clock. */
export interface LeaseHealth {
  /** Less than a TTL has passed since a renewal that succeeded was sent. */
  live: boolean;
  /** Since the last renewal that succeeded was sent; undefined before the first. */
  renewedAgoMs: number | undefined;
  /** Since a renewal was last sent: the timer sends one every `periodMs`, whatever Redis does. */
  attemptedAgoMs: number | undefined;
  ttlMs: number;
  periodMs: number;
  /** Whether the timer runs (from `start()` to `stop()`). */
  renewing: boolean;
}

/**
 * The node's lease in the group: renewed on a timer at a third of its TTL, and at once
 * when a worker finds it may have lapsed. A renewal that finds the lease had lapsed
 * reports it: the leader may have recovered this node's units, so they may run twice.
 */
export class LeaseKeeper implements LeaseGuard {
  private validUntil = Number.NEGATIVE_INFINITY;
  private renewing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  /** Renewals sent and not answered: a close waits for them before leaving the group. */
  private readonly sent = new Set<Promise<void>>();
  private lapsed = 0;
  private renewedAt: number | undefined;
  private attemptedAt: number | undefined;
  /** When renewals started failing, while they do. */
  private failingSince: number | undefined;

  constructor(
    private readonly leases: NodeLeases,
    private readonly options: { nodeId: string; ttlMs: number; events: EventSink; logger: Logger },
  ) {}

  /** Registers the node (its first renewal) and keeps the lease renewed from then on. */
  async start(): Promise<void> {
    await this.renew();
    // Each tick sends its own renewal even while an earlier one is still out: a slow
    // Redis then costs one round trip of margin, not a whole renewal period.
    this.timer = setInterval(() => {
      this.renewOnce().catch((error: unknown) => {
        this.failingSince ??= performance.now();
        this.options.events.report(error, 'renewing the node lease failed');
      });
    }, this.periodMs);
  }

  /**
   * Stops renewing, once the renewals already sent are answered (one landing after the
   * node left the group would put its lease back for a TTL), or a third of the TTL has
   * passed: a Redis that does not answer must not hold a close for longer.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.ttlMs / 3);
    });
    await Promise.race([Promise.allSettled([...this.sent]), bound]);
    clearTimeout(timer);
  }

  live(): boolean {
    return performance.now() < this.validUntil;
  }

  health(): LeaseHealth {
    const now = performance.now();
    const ago = (at: number | undefined) => (at === undefined ? undefined : Math.round(now - at));
    return {
      live: this.live(),
      renewedAgoMs: ago(this.renewedAt),
      attemptedAgoMs: ago(this.attemptedAt),
      ttlMs: this.options.ttlMs,
      periodMs: this.periodMs,
      renewing: this.timer !== undefined,
    };
  }

  /** Renewals go out at a third of the TTL: two may fail before the lease lapses. */
  private get periodMs(): number {
    return this.options.ttlMs / 3;
  }

  get lapses(): number {
    return this.lapsed;
  }

  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private renewOnce(): Promise<void> {
    const renewal = this.sendRenewal();
    this.sent.add(renewal);
    const forget = () => this.sent.delete(renewal);
    renewal.then(forget, forget);
    return renewal;
  }

  private async sendRenewal(): Promise<void> {
    const { nodeId, ttlMs, events, logger } = this.options;
    // Counted from the moment the renewal was sent: the server set its expiry later than
    // that, so this node's view of the lease never outlasts the server's.
    const sentAt = performance.now();
    this.attemptedAt = sentAt;
    const renewal = await this.leases.renew(nodeId);
    this.validUntil = Math.max(this.validUntil, sentAt + ttlMs);
    this.renewedAt = Math.max(this.renewedAt ?? sentAt, sentAt);
    if (this.failingSince !== undefined) {
      logger.info(
        { node: nodeId, failedForMs: Math.round(performance.now() - this.failingSince) },
        'the node lease is renewed again',
      );
      this.failingSince = undefined;
    }
    if (!renewal.wasLive && this.registered) {
      this.lapsed += 1;
      logger.warn(
        { node: nodeId },
        'this node lease had lapsed; its claimed units may be running elsewhere',
      );
      events.emit('leaseLost', { nodeId });
    }
    this.registered = true;
  }
}
