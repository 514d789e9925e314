import type { LeaderLock, Leadership } from '@kf/core';
import type { EventSink } from '../node/node-events.js';

/**
 * This node's hold on the group's leader lock: taken when free, renewed on a timer at a
 * third of its TTL, dropped on the first renewal that finds a newer term. The organiser
 * asks `current()` before each tick; scripts check the epoch again, so a stale answer
 * here is harmless.
 */
export class LeadershipKeeper {
  private term: Leadership | undefined;
  private nextAttemptAt = 0;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly lock: LeaderLock,
    private readonly options: { nodeId: string; ttlMs: number; events: EventSink },
  ) {}

  current(): Leadership | undefined {
    return this.term;
  }

  /** Takes the lock when it is free and this node has not been told to wait. */
  async tryAcquire(now = Date.now()): Promise<Leadership | undefined> {
    if (this.term !== undefined || now < this.nextAttemptAt) return this.term;
    const result = await this.lock.acquire();
    if (!result.acquired) {
      // The holder may release early (a clean close): look again well before its TTL
      // runs out, at a cost of one script per follower per quarter TTL.
      this.nextAttemptAt = now + Math.min(result.retryInMs, this.options.ttlMs / 4);
      return undefined;
    }
    this.term = result.leadership;
    this.options.events.emit('leaderGained', {
      nodeId: this.options.nodeId,
      epoch: result.leadership.epoch,
    });
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1, this.options.ttlMs / 3));
    return this.term;
  }

  /** Forget the term: a script found the epoch moved on. */
  deposed(): void {
    const term = this.term;
    if (term === undefined) return;
    this.drop();
    this.options.events.emit('leaderLost', {
      nodeId: this.options.nodeId,
      epoch: term.epoch,
      reason: 'deposed',
    });
  }

  /** Gives the lock up, so another node takes over at once instead of after the TTL. */
  async release(): Promise<void> {
    const term = this.term;
    if (term === undefined) return;
    this.drop();
    try {
      await this.lock.release(term);
    } finally {
      this.options.events.emit('leaderLost', {
        nodeId: this.options.nodeId,
        epoch: term.epoch,
        reason: 'closing',
      });
    }
  }

  private async renew(): Promise<void> {
    const term = this.term;
    if (term === undefined) return;
    try {
      const result = await this.lock.renew(term);
      if (!result.renewed && this.term === term) this.deposed();
    } catch (error) {
      // The lock runs out by itself if Redis stays away; the next renewal decides.
      this.options.events.report(error, 'renewing the leader lock failed');
    }
  }

  private drop(): void {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.term = undefined;
  }
}
