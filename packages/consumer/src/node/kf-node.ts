import { EventEmitter } from 'node:events';
import type { GroupKeys, KfConfig, NodeLeases } from '@kf/core';
import type { IRedis, KafkaAccess, Logger } from '@kf/protocol';
import { groupPause, type PauseResult, type ResumeResult } from '../admin/group-pause.js';
import { NodeClosedError } from '../errors/node-closed-error.js';
import type { Organiser } from '../organiser/organiser.js';
import { eachBatchDelivery, eachMessageDelivery } from '../worker/deliveries.js';
import type { KfMessage, RunOptions } from '../worker/message.js';
import type { Delivery } from '../worker/run-unit.js';
import { WorkerPool } from '../worker/worker-pool.js';
import type { ErrorList } from './error-list.js';
import { checkEvictionPolicy } from './eviction-policy.js';
import { checkHealth, type HealthOptions, type NodeHealth } from './health.js';
import { LeaseKeeper } from './lease-keeper.js';
import { MessageChannel } from './message-channel.js';
import type { NodeContext } from './node-context.js';
import type { EventSink, NodeEvents } from './node-events.js';
import { checkTopics } from './topics.js';

export interface NodeParts {
  config: KfConfig;
  nodeId: string;
  redis: IRedis;
  kafka: KafkaAccess;
  keys: GroupKeys;
  leases: NodeLeases;
  errors: ErrorList;
  logger: Logger;
  /** Wraps the delivery user code is called through (telemetry); none by default. */
  instrument?: (delivery: Delivery) => Delivery;
  /** Built with the node's context (its event sink exists only once the node does). */
  organiser: (context: NodeContext) => Organiser;
}

export interface CloseOptions {
  /**
   * How long to wait for user code in progress before giving up on it; its unit is then
   * completed up to where it got and the rest queued again. Default 10000 ms.
   */
  timeoutMs?: number;
}

export interface NodeStatus {
  nodeId: string;
  state: 'running' | 'closing' | 'closed';
  /** Units this node is working on now. */
  inFlight: number;
  leader: boolean;
  /** Whether the group was paused when this node last looked (within a second or so). */
  paused: boolean;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * One process's membership of a consumer group: it takes part in leader election and
 * organising from creation, and consumes once `run()` is called or it is iterated.
 */
export class KfNode extends EventEmitter<NodeEvents> implements AsyncIterable<KfMessage> {
  readonly nodeId: string;
  /** The group's error list: units given up on, with their reasons. */
  readonly errors: ErrorList;
  private state: NodeStatus['state'] = 'running';
  private pool: WorkerPool | undefined;
  private channel: MessageChannel | undefined;
  private closing: Promise<void> | undefined;
  private readonly lease: LeaseKeeper;
  private readonly organiser: Organiser;
  private readonly sink: EventSink;
  private readonly context: NodeContext;

  constructor(private readonly parts: NodeParts) {
    super();
    this.nodeId = parts.nodeId;
    this.errors = parts.errors;
    // A listener that throws must not take kf's own work with it (a claimed unit left
    // unsettled, a loop ended): what it threw is logged and kf goes on.
    const emitSafely = (name: string, ...payload: unknown[]) => {
      try {
        // The sink's signature is the typed one; EventEmitter's generic overload cannot
        // see that K's payload tuple is its own.
        (this.emit as (event: string, ...args: unknown[]) => boolean)(name, ...payload);
      } catch (thrown) {
        parts.logger.error(
          { err: thrown, node: this.nodeId, event: name },
          'an event listener threw',
        );
      }
    };
    this.sink = {
      emit: (name, ...payload) => emitSafely(name, ...payload),
      report: (error, message) => {
        parts.logger.error({ err: error, node: this.nodeId }, message);
        if (this.listenerCount('error') > 0) {
          emitSafely('error', error instanceof Error ? error : new Error(String(error)));
        }
      },
    };
    this.context = {
      redis: parts.redis,
      keys: parts.keys,
      kafka: parts.kafka,
      conf: parts.config.conf,
      isolation: parts.config.kafka.isolation,
      nodeId: parts.nodeId,
      logger: parts.logger,
      events: this.sink,
    };
    this.organiser = parts.organiser(this.context);
    this.lease = new LeaseKeeper(parts.leases, {
      nodeId: parts.nodeId,
      ttlMs: parts.config.conf.leaseTtlMs,
      events: this.sink,
      logger: parts.logger,
    });
  }

  /** Registers the node's lease and topics and starts organising; `createNode` calls it. */
  async start(topics: string[]): Promise<void> {
    const { redis, keys, logger } = this.parts;
    await this.lease.start();
    await checkEvictionPolicy(redis, keys, logger);
    if (topics.length > 0) await redis.setAdd(keys.topics, topics);
    this.organiser.start();
  }

  /**
   * Starts consuming: `eachMessage` gets one message at a time, `eachBatch` each fetched
   * batch. A unit completes only after user code finished with its last message; a
   * throw retries the unit with backoff, up to `conf.maxAttempts`. Resolves once the
   * workers are running.
   */
  async run(options: RunOptions & { concurrency?: number }): Promise<void> {
    const delivery = options.eachMessage
      ? eachMessageDelivery(options.eachMessage)
      : options.eachBatch
        ? eachBatchDelivery(options.eachBatch)
        : undefined;
    if (delivery === undefined) throw new TypeError('run() needs eachMessage or eachBatch');
    this.startWorkers(delivery, options.concurrency);
  }

  /**
   * Reads messages one at a time, as kafka-clj's `msg-seq!`: a message counts as
   * processed when the loop asks for the next one, so a unit completes only after the
   * loop moved past its last message. Leaving the loop closes the node.
   */
  [Symbol.asyncIterator](): AsyncIterator<KfMessage> {
    const channel = new MessageChannel();
    this.startWorkers(channel);
    this.channel = channel;
    return {
      next: () => channel.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Adds topics for the whole group: every node's organiser schedules them. */
  async addTopics(topics: string[]): Promise<void> {
    this.assertRunning('addTopics');
    const checked = checkTopics(topics);
    if (checked.length > 0) await this.parts.redis.setAdd(this.parts.keys.topics, checked);
  }

  /**
   * Removes topics for the whole group: nothing more of them is scheduled; units already
   * queued still run. Their saved offsets stay, so adding a topic back resumes it.
   */
  async removeTopics(topics: string[]): Promise<void> {
    this.assertRunning('removeTopics');
    const checked = checkTopics(topics);
    if (checked.length > 0) await this.parts.redis.setRemove(this.parts.keys.topics, checked);
  }

  /** The group's topics, as every node's organiser sees them. */
  async topics(): Promise<string[]> {
    return (await this.parts.redis.setMembers(this.parts.keys.topics)).sort();
  }

  status(): NodeStatus {
    return {
      nodeId: this.nodeId,
      state: this.state,
      inFlight: this.pool?.inFlight ?? 0,
      leader: this.organiser.isLeader(),
      paused: this.organiser.isPaused(),
    };
  }

  /**
   * Pauses the whole group: the leader schedules nothing new; units already queued are
   * still worked off. Any node may call it; pausing a paused group keeps the first
   * pauser's note (`paused: false` in the result).
   */
  async pause(): Promise<PauseResult> {
    this.assertRunning('pause');
    const result = await groupPause(this.parts.redis, this.parts.keys).pause(`node ${this.nodeId}`);
    if (result.paused) {
      this.parts.logger.info({ node: this.nodeId }, 'this node paused the group');
    }
    return result;
  }

  /** Lifts the group's pause, whoever set it; `resumed: false` when it was not paused. */
  async resume(): Promise<ResumeResult> {
    this.assertRunning('resume');
    const result = await groupPause(this.parts.redis, this.parts.keys).resume();
    if (result.resumed) {
      this.parts.logger.info(
        { node: this.nodeId, pausedBy: result.note?.by },
        'this node resumed the group',
      );
    }
    return result;
  }

  /**
   * Liveness and readiness, with why: the lease's renewal age, the claim loop, Redis and
   * Kafka each probed within `timeoutMs` (default a third of `conf.leaseTtlMs`), leader
   * or not, paused or not. A probe that fails is reported in the result, never thrown;
   * it rejects only for a `timeoutMs` that is not a positive number.
   */
  async health(options: HealthOptions = {}): Promise<NodeHealth> {
    const { config, redis, keys, kafka } = this.parts;
    const timeoutMs = options.timeoutMs ?? config.conf.leaseTtlMs / 3;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new TypeError(`health(): timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    return checkHealth({
      state: this.state,
      lease: this.lease.health(),
      claimLoop: this.pool?.claimLoopState(),
      leader: this.organiser.isLeader(),
      pausedLastSeen: this.organiser.isPaused(),
      readPaused: () => redis.get(keys.paused),
      reachKafka: () => kafka.refreshMetadata([]),
      timeoutMs,
      secrets: [config.redis.password, config.kafka.sasl?.password].filter(
        (s): s is string => s !== undefined,
      ),
    });
  }

  /**
   * Leaves the group cleanly: stops claiming, waits for user code in progress (up to
   * `timeoutMs`), completes what it finished and queues the rest, gives up the leader
   * lock and the lease, and closes every connection. Safe to call more than once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.closing;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    const { redis, kafka, keys, leases, logger } = this.parts;
    this.state = 'closing';
    this.channel?.close();
    const results = await Promise.allSettled([
      this.organiser.stop(),
      this.pool?.stop(timeoutMs) ?? Promise.resolve(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') this.sink.report(result.reason, 'closing the node');
    }
    await this.lease.stop();
    try {
      // A lease is only dropped with nothing claimed: units left behind (Redis away at
      // the deadline) are recovered by the leader once the lease lapses.
      const left = await redis.listLength(keys.working(this.nodeId));
      if (left === 0) await leases.remove(this.nodeId);
      else logger.warn({ node: this.nodeId, units: left }, 'closing with units still claimed');
    } catch (error) {
      this.sink.report(error, 'leaving the group');
    }
    await Promise.allSettled([kafka.close(), redis.close()]);
    this.state = 'closed';
  }

  private startWorkers(delivery: Delivery, concurrency?: number): void {
    this.assertRunning('run');
    if (this.pool !== undefined) {
      throw new TypeError('the node is already consuming: call run() or iterate it once');
    }
    this.pool = new WorkerPool({
      ...this.context,
      concurrency: concurrency ?? this.context.conf.concurrency,
      delivery: this.parts.instrument?.(delivery) ?? delivery,
      lease: this.lease,
    });
    this.pool.start();
  }

  private assertRunning(operation: string): void {
    if (this.state !== 'running') throw new NodeClosedError(operation);
  }
}
