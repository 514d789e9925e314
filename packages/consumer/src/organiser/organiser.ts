import type { Leadership, NodeLeases } from '@kf/core';
import { KafkaErrorCode } from '../errors/kafka-error-code.js';
import type { PartitionOffsets } from '../kafka/kafka-access.js';
import type { NodeContext } from '../node/node-context.js';
import type { LeadershipKeeper } from './leadership.js';
import { planUnits } from './plan-units.js';
import { recoverNode } from './recover-node.js';
import { ReplicaWait } from './replica-wait.js';
import { scheduleUnits } from './schedule-units.js';
import { startPosition } from './start-position.js';

export interface OrganiserOptions extends NodeContext {
  leadership: LeadershipKeeper;
  leases: NodeLeases;
}

/**
 * The organiser: every `workCalculateFreq`, on the node that holds the leader lock, it
 * recovers dead nodes' units and cuts each partition's new offsets into units. Every
 * node runs one; only the leader's does anything.
 */
export class Organiser {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private lastRecoveryAt = 0;
  private liveNodes = 1;
  /** Topics already reported missing, so a missing topic warns once, not every tick. */
  private readonly missing = new Set<string>();
  private readonly replicas: ReplicaWait;

  constructor(private readonly options: OrganiserOptions) {
    this.replicas = new ReplicaWait(options.redis, options.keys, options.conf, options.logger);
  }

  start(): void {
    this.schedule(0);
  }

  isLeader(): boolean {
    return this.options.leadership.current() !== undefined;
  }

  /** Stops ticking, waits for a tick in progress, and gives up the lock. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.options.leadership.release();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(this.options.conf.workCalculateFreq);
      });
    }, delayMs);
  }

  /** One round; errors are reported and the next tick tries again. */
  async tick(): Promise<void> {
    try {
      const term = await this.options.leadership.tryAcquire();
      if (term === undefined) return;
      await this.recoverDeadNodes();
      await this.scheduleNewOffsets(term);
    } catch (error) {
      this.options.events.report(error, 'organiser tick failed');
    }
  }

  private async recoverDeadNodes(): Promise<void> {
    const { conf, leases, redis, keys, events, nodeId } = this.options;
    const now = Date.now();
    // Leases are judged in whole fractions of their TTL; checking every tick would only
    // repeat the same answer.
    if (now - this.lastRecoveryAt < Math.min(conf.leaseTtlMs / 4, 1_000)) return;
    this.lastRecoveryAt = now;
    const [expired, live] = await Promise.all([leases.expired(), leases.live()]);
    this.liveNodes = Math.max(1, live.nodes.length);
    for (const dead of expired.nodes) {
      const result = await recoverNode(redis, keys, dead.nodeId);
      if (result.recovered) {
        await this.replicas.afterWrite('recovering a node');
        events.emit('nodeRecovered', {
          nodeId: dead.nodeId,
          recoveredBy: nodeId,
          units: result.units,
        });
        if (result.units > 0) {
          this.options.logger.warn(
            { node: dead.nodeId, units: result.units },
            'recovered the units of a node whose lease expired',
          );
        }
      }
    }
  }

  private async scheduleNewOffsets(term: Leadership): Promise<void> {
    const { redis, keys, conf } = this.options;
    const [topics, queued, saved] = await Promise.all([
      redis.setMembers(keys.topics),
      redis.listLength(keys.work),
      redis.hashGetAll(keys.offsets),
    ]);
    let room = conf.maxQueuedUnits - queued;
    if (room <= 0) return;
    // Workers that could take a unit now: spread a small backlog over all of them.
    const freeWorkers = Math.max(1, this.liveNodes * conf.concurrency - queued);
    for (const topic of topics.sort()) {
      const partitions = await this.offsetsOf(topic);
      for (const offsets of partitions) {
        if (room <= 0) return;
        const queuedNow = await this.schedulePartition(term, topic, offsets, saved, {
          room,
          freeWorkers,
        });
        if (queuedNow === 'deposed' || queuedNow === 'unreplicated') return;
        room -= queuedNow;
      }
    }
  }

  private async offsetsOf(topic: string): Promise<PartitionOffsets[]> {
    const { kafka, isolation, logger, events } = this.options;
    try {
      const offsets = await kafka.offsets(topic, isolation);
      this.missing.delete(topic);
      return offsets;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === KafkaErrorCode.NotLeader) {
        // A partition's leader moved or died: the cached metadata names the old one, and
        // nothing else may refresh it while no unit of this topic is in flight.
        events.report(error, `offsets of ${topic}: leader moved, refreshing metadata`);
        await kafka.refreshMetadata([topic]).catch((refreshError: unknown) => {
          logger.warn(
            { err: refreshError, topic },
            'metadata refresh failed; the next tick retries',
          );
        });
        return [];
      }
      if (code !== KafkaErrorCode.UnknownTopicOrPartition) throw error;
      if (!this.missing.has(topic)) {
        this.missing.add(topic);
        logger.warn({ topic }, 'topic does not exist (yet); it is scheduled once it does');
      }
      return [];
    }
  }

  /**
   * Schedules one partition; returns how many units it queued, or why the tick ends:
   * `deposed` (a newer leader exists), `unreplicated` (fewer replicas than
   * `conf.waitReplicas` acknowledged the write).
   */
  private async schedulePartition(
    term: Leadership,
    topic: string,
    offsets: PartitionOffsets,
    saved: Record<string, string>,
    budget: { room: number; freeWorkers: number },
  ): Promise<number | 'deposed' | 'unreplicated'> {
    const { conf, redis, keys, events, logger } = this.options;
    const { partition, earliest, latest } = offsets;
    const field = `${topic}/${partition}`;
    const savedText = saved[field];
    const savedOffset = savedText === undefined ? undefined : Number(savedText);
    const start = startPosition({
      saved: savedOffset,
      earliest,
      latest,
      useEarliest: conf.useEarliest,
      resetAheadOffsets: conf.resetAheadOffsets,
    });
    if (start.kind === 'wait-ahead') return 0;
    if (start.kind === 'retention-skipped' || start.kind === 'reset-ahead') {
      const from = start.kind === 'retention-skipped' ? start.lostFrom : start.savedAhead;
      const reason = start.kind === 'retention-skipped' ? 'retention' : 'reset-ahead';
      logger.warn(
        { topic, partition, from, to: start.offset, reason },
        reason === 'retention'
          ? 'offsets were deleted by retention before they were scheduled; they are lost to this group'
          : 'the saved offset was above the log end; reset to the latest offset',
      );
      events.emit('offsetsMoved', { topic, partition, from, to: start.offset, reason });
    }
    let maxUnits = budget.room;
    if (conf.ordering === 'partition') {
      const pending = await redis.sortedSetRangeByScore(keys.pending(topic, partition), {
        min: '-inf',
        max: '+inf',
        count: 1,
      });
      if (pending.length > 0) maxUnits = 0;
      else maxUnits = Math.min(1, maxUnits);
    }
    const plan = planUnits({
      topic,
      partition,
      from: start.offset,
      to: latest,
      consumeStep: conf.consumeStep,
      freeWorkers: conf.ordering === 'partition' ? 1 : budget.freeWorkers,
      maxUnits,
      now: Date.now(),
    });
    // Nothing new and nothing to record: a tick of a quiet partition costs no write.
    if (plan.units.length === 0 && start.offset === savedOffset) return 0;
    const result = await scheduleUnits(redis, keys, {
      epoch: term.epoch,
      topic,
      partition,
      plannedFrom: savedOffset,
      units: plan.units,
      nextOffset: plan.nextOffset,
    });
    if (result.status === 'deposed') {
      this.options.leadership.deposed();
      return 'deposed';
    }
    if (result.status === 'stale') return 0;
    const replicated = await this.replicas.afterWrite('scheduling units');
    if (result.units > 0) {
      events.emit('unitsScheduled', {
        topic,
        partition,
        from: start.offset,
        to: plan.nextOffset,
        units: result.units,
        epoch: term.epoch,
      });
    }
    return replicated ? result.units : 'unreplicated';
  }
}
