import type { Leadership, NodeLeases } from '@kf/core';
import type { PartitionOffsets } from '@kf/protocol';
import type { NodeContext } from '../node/node-context.js';
import type { OffsetsMovedEvent } from '../node/node-events.js';
import { CommittedStarts } from './committed-starts.js';
import { dealingOrder, maxShareOf, type PartitionKey, shareRoom } from './fair-share.js';
import type { LeadershipKeeper } from './leadership.js';
import { LogEndWatch, type SeenPartition } from './log-end-watch.js';
import { classifyOffsetsFailure } from './offsets-failure.js';
import { type Plan, planUnits, unitsWanted, workerShares } from './plan-units.js';
import { ProgressCommit } from './progress-commit.js';
import { recoverNode } from './recover-node.js';
import { ReplicaWait } from './replica-wait.js';
import { type AheadSighting, confirmAhead } from './reset-ahead.js';
import { type PartitionScheduled, schedulePartitions, writeCalls } from './schedule-units.js';
import { startPosition } from './start-position.js';
import { recordsCutter } from './unit-records.js';

/** The log line of each kind of moved offsets, beside the `offsetsMoved` event. */
const MOVED_MESSAGES: Record<OffsetsMovedEvent['reason'], string> = {
  retention:
    'offsets were deleted by retention before they were scheduled; they are lost to this group',
  'reset-ahead':
    'the saved offset was above the log end on two looks; moved back, and the offsets from there to the old saved offset are scheduled as they are written',
  'reset-skipped':
    'the reset went to the log end (useEarliest is off): these offsets of the log are not scheduled for this group',
  'ahead-passed':
    'the log grew past a saved offset seen above its end before a reset was confirmed; scheduling goes on from the saved offset: if the topic was recreated, these offsets of the new log are not delivered to this group',
};

/** A topic whose offsets keep failing is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;

/**
 * A woken tick starts at least this long after the previous tick ended: records that
 * arrive together are scheduled together (fewer, larger units at high rates), for a few
 * milliseconds of latency.
 */
export const WAKE_GAP_MS = 5;

/**
 * How long a topic's partitions, as ListOffsets last listed them, may be taken with the
 * polls' log ends instead of asking again: while data flows every tick is woken, and
 * this bounds how late ListOffsets sees what the polls do not show.
 */
const LISTED_FOR_MS = 1_000;

/** A follower looks at the group's paused flag this often, for `status()`. */
const FOLLOWER_PAUSE_LOOK_MS = 1_000;

/** One partition's decision for this tick, before the room is shared out. */
interface Candidate extends PartitionKey {
  saved: number | undefined;
  /** Where scheduling starts this tick. */
  from: number;
  latest: number;
  /** Units its backlog would fill. */
  wanted: number;
  /** The free workers its backlog is cut for (see `workerShares`). */
  pieces: number;
  /** Reported once the write that moves the saved offset went through. */
  moved: OffsetsMovedEvent[];
  /** Added to its topic after the group started. */
  added: boolean;
  /** Starts from the Kafka consumer group's committed offset. */
  fromCommitted: boolean;
  /** The saved offset once this tick's write went through (or had nothing to write). */
  savedAfter?: number;
}

/** A partition's planned write. */
interface Write {
  candidate: Candidate;
  plan: Plan;
}

/** What a leader's tick reads from Redis before it plans. */
interface GroupState {
  topics: string[];
  /** Units in the work list. */
  queued: number;
  /** Saved offsets by `topic/partition`. */
  saved: Record<string, string>;
}

export interface OrganiserOptions extends NodeContext {
  leadership: LeadershipKeeper;
  leases: NodeLeases;
  /** The Kafka consumer group progress is committed to (`kafka.groupId`). */
  groupId: string;
}

/**
 * The organiser: on the node that holds the leader lock, it recovers dead nodes' units
 * and cuts each partition's new offsets into units, every `workCalculateFreq` and as
 * soon as the leader's long polls of the log ends see new data. Every node runs one;
 * only the leader's does anything.
 */
export class Organiser {
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (performance.now() time). */
  private timerDueAt = 0;
  private lastTickEndedAt = Number.NEGATIVE_INFINITY;
  private ticking: Promise<void> | undefined;
  /** A wake came during a tick: the next tick runs as soon as this one ends. */
  private wokenDuringTick = false;
  /** The pending tick was asked for by new data (not the timer): see `scheduleNewOffsets`. */
  private nextTickWoken = false;
  private stopped = false;
  private lastRecoveryAt = 0;
  private liveNodes = 1;
  /** Topics already reported missing, so a missing topic warns once, not every tick. */
  private readonly missing = new Set<string>();
  /** Topics whose offsets answered OFFSET_NOT_AVAILABLE, since when. */
  private readonly askingSince = new Map<string, number>();
  /** Topics whose offsets fail, with when they were last reported. */
  private readonly failing = new Map<string, { what: string; reportedAt: number; since: number }>();
  /** Partitions seen with their saved offset above the log end, awaiting a second look. */
  private readonly ahead = new Map<string, AheadSighting>();
  /** The partition served last: the next tick's round-robin starts after it. */
  private cursor: PartitionKey | undefined;
  /** The term the per-term memory below belongs to. */
  private epoch: number | undefined;
  /** performance.now() time: a wall clock stepped back would hold reloads back. */
  private metadataLoadedAt = Number.NEGATIVE_INFINITY;
  private readonly replicas: ReplicaWait;
  private paused = false;
  private pausedReadAt = 0;
  /** The term in which this leader last wrote the group's ordering. */
  private orderingSaidIn: number | undefined;
  private readonly progress: ProgressCommit;
  private readonly committedStarts: CommittedStarts;
  /**
   * The partitions of each topic as Kafka last listed them (the ones committed), and
   * when: the polls' answers stand in for ListOffsets only for so long.
   */
  private readonly listed = new Map<string, { partitions: number[]; at: number }>();
  private readonly logEnds: LogEndWatch;
  /** Script calls that failed, perhaps after they wrote: see `confirmWrites`. */
  private readonly unconfirmed: Array<{ term: Leadership; call: Write[] }> = [];

  constructor(private readonly options: OrganiserOptions) {
    this.replicas = new ReplicaWait(options.redis, options.keys, options.conf, options.logger);
    this.progress = new ProgressCommit(options);
    this.committedStarts = new CommittedStarts(options.kafka, options.groupId, options.logger);
    this.logEnds = new LogEndWatch({
      kafka: options.kafka,
      isolation: options.isolation,
      logger: options.logger,
      wake: () => this.wake(),
      // Records are polled only for units to carry, which workers can read only through
      // a port that decodes them.
      recordsMaxBytes:
        options.kafka.readRecords === undefined ? 0 : options.conf.inlineRecordsMaxBytes,
    });
  }

  start(): void {
    this.schedule(0);
  }

  isLeader(): boolean {
    return this.options.leadership.current() !== undefined;
  }

  /**
   * Whether the group was paused when this node last looked: the leader looks every
   * tick, a follower at most once a second.
   */
  isPaused(): boolean {
    return this.paused;
  }

  /**
   * Stops ticking, waits for a tick in progress, commits the progress to Kafka one last
   * time while still leader (the next leader commits on its first tick), and gives up
   * the lock.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.logEnds.stop();
    clearTimeout(this.timer);
    await this.ticking;
    const term = this.options.leadership.current();
    if (term !== undefined) await this.progress.last(term.epoch, this.listedPartitions());
    await this.options.leadership.release();
  }

  /**
   * A tick now, or right after the one running: new data was seen. Wakes that come
   * together make one tick.
   */
  wake(): void {
    // Only a leader that schedules has anything to do with new data.
    if (this.stopped || this.paused || !this.isLeader()) return;
    if (this.ticking !== undefined) {
      this.wokenDuringTick = true;
      return;
    }
    const delayMs = Math.max(0, this.lastTickEndedAt + WAKE_GAP_MS - performance.now());
    if (performance.now() + delayMs >= this.timerDueAt) return;
    clearTimeout(this.timer);
    this.schedule(delayMs, true);
  }

  private schedule(delayMs: number, woken = false): void {
    if (this.stopped) return;
    this.timerDueAt = performance.now() + delayMs;
    this.nextTickWoken = woken;
    this.timer = setTimeout(() => {
      this.wokenDuringTick = false;
      this.ticking = this.tick(this.nextTickWoken).finally(() => {
        this.ticking = undefined;
        this.lastTickEndedAt = performance.now();
        if (this.wokenDuringTick) this.schedule(WAKE_GAP_MS, true);
        else this.schedule(this.options.conf.workCalculateFreq);
      });
    }, delayMs);
  }

  /**
   * One round; errors are reported and the next tick tries again. `woken`: new data asked
   * for it, and the log ends the polls answered may stand in for ListOffsets.
   */
  async tick(woken = false): Promise<void> {
    try {
      const term = await this.options.leadership.tryAcquire();
      if (term === undefined) {
        await this.lookAtPause(false);
        this.logEnds.clear();
        return;
      }
      this.beginTerm(term);
      await this.sayOrdering(term);
      await this.recoverDeadNodes();
      // One round trip: whether the group is paused, and what scheduling reads.
      const [, state] = await Promise.all([this.lookAtPause(true), this.readGroupState()]);
      this.confirmWrites(state.saved);
      // Paused: units already queued still run, dead nodes' units are still recovered,
      // and the partitions Kafka lists are still looked at for the commit; new data has
      // nothing to wake.
      if (this.paused) {
        this.logEnds.clear();
        await this.listPartitions(state.topics);
      } else await this.scheduleNewOffsets(term, woken, state);
      this.progress.kick(term.epoch, this.listedPartitions());
    } catch (error) {
      this.options.events.report(error, 'organiser tick failed');
    }
  }

  private async lookAtPause(leader: boolean): Promise<void> {
    const now = Date.now();
    if (!leader && now - this.pausedReadAt < FOLLOWER_PAUSE_LOOK_MS) return;
    this.pausedReadAt = now;
    const paused = (await this.options.redis.get(this.options.keys.paused)) !== null;
    if (paused !== this.paused && leader) {
      this.options.logger.info(
        { group: this.options.keys.group },
        paused
          ? 'the group is paused: nothing new is scheduled; queued units still run'
          : 'the group was resumed: scheduling goes on',
      );
    }
    this.paused = paused;
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

  /**
   * A new term starts from what Kafka and Redis say now, not from what this node saw
   * when it last led: reload metadata, forget half-confirmed resets, partitions listed
   * and the Kafka group's answers.
   */
  private beginTerm(term: Leadership): void {
    if (term.epoch === this.epoch) return;
    this.epoch = term.epoch;
    this.metadataLoadedAt = Number.NEGATIVE_INFINITY;
    this.ahead.clear();
    this.listed.clear();
    this.committedStarts.forget();
  }

  /**
   * Once a term, paused or not: the group's ordering as this leader schedules it, which
   * requeues from the error list follow whatever their caller's config says (an admin's
   * may say nothing). Written again next tick when the write fails.
   */
  private async sayOrdering(term: Leadership): Promise<void> {
    if (this.orderingSaidIn === term.epoch) return;
    await this.options.redis.set(this.options.keys.ordering, this.options.conf.ordering);
    this.orderingSaidIn = term.epoch;
  }

  /** While paused: the group's topics and their partitions, as Kafka lists them now. */
  private async listPartitions(topics: string[]): Promise<void> {
    await this.reloadStaleMetadata(topics);
    await Promise.all(topics.map((topic) => this.offsetsOf(topic)));
  }

  /** The group's topics; a topic removed from it is no longer committed. */
  private async groupTopics(): Promise<string[]> {
    const topics = await this.options.redis.setMembers(this.options.keys.topics);
    for (const topic of this.listed.keys()) if (!topics.includes(topic)) this.listed.delete(topic);
    return topics;
  }

  /** The group's topics, the work list's length and every saved offset, read together. */
  private async readGroupState(): Promise<GroupState> {
    const { redis, keys } = this.options;
    const [topics, queued, saved] = await Promise.all([
      this.groupTopics(),
      redis.listLength(keys.work),
      redis.hashGetAll(keys.offsets),
    ]);
    return { topics, queued, saved };
  }

  private async scheduleNewOffsets(
    term: Leadership,
    woken: boolean,
    { topics, queued, saved }: GroupState,
  ): Promise<void> {
    const { conf } = this.options;
    // A full work list still lets first positions be recorded (with no units): a topic
    // added meanwhile would otherwise start wherever its log end is once room frees.
    const room = Math.max(0, conf.maxQueuedUnits - queued);
    // Metadata reloaded: partitions may have been added, which only ListOffsets lists.
    const polled = !(await this.reloadStaleMetadata(topics)) && woken;
    // Workers that could take a unit now: spread a small backlog over all of them.
    const freeWorkers = Math.max(1, this.liveNodes * conf.concurrency - queued);
    const perTopic = await Promise.all(
      topics.map(async (topic) => {
        const partitions =
          (polled ? this.polledOffsetsOf(topic, saved) : undefined) ??
          (await this.offsetsOf(topic));
        return { topic, partitions, committed: await this.committedOf(topic, partitions, saved) };
      }),
    );
    const candidates: Candidate[] = [];
    const firstLooks = new Map<string, AheadSighting>();
    for (const { topic, partitions, committed } of perTopic) {
      for (const offsets of partitions) {
        // The group's committed offsets could not be read: a partition with nothing saved
        // waits, others go on.
        if (committed === undefined && saved[`${topic}/${offsets.partition}`] === undefined) {
          continue;
        }
        const candidate = this.decide(
          topic,
          offsets,
          partitions,
          saved,
          freeWorkers,
          firstLooks,
          committed?.get(offsets.partition),
        );
        if (candidate !== undefined) candidates.push(candidate);
      }
    }
    await this.refreshForSecondLook(firstLooks);
    if (conf.ordering === 'partition') await this.oneUnitAtATime(candidates);
    else this.shareWorkers(candidates, freeWorkers);

    const share = shareRoom({
      demands: candidates.map(({ topic, partition, wanted }) => ({
        topic,
        partition,
        units: wanted,
      })),
      room,
      after: this.cursor,
      maxShare: maxShareOf(room),
    });
    const grants = new Map(share.grants.map((g) => [`${g.topic}/${g.partition}`, g.units]));
    const written = await this.writeAll(term, dealingOrder(candidates, this.cursor), grants);
    // A tick cut short resumes after the last partition it served, not after the one
    // the full deal would have ended on.
    this.cursor = written.complete
      ? (share.last ?? this.cursor)
      : (written.lastServed ?? this.cursor);
    await this.watchLogEnds(candidates);
  }

  /**
   * The long polls that wake the next tick watch the partitions this tick scheduled up to
   * the log end it saw. A partition with more left (no room, a pending unit under
   * `partition` ordering, one not written after an earlier write came short of its
   * replicas) waits for the timer: new data could not be scheduled any sooner, and waking
   * for it would only spin the ticks.
   */
  private async watchLogEnds(candidates: Candidate[]): Promise<void> {
    if (!this.logEnds.available) return;
    // Deposed during the tick: the next tick, not a wake, finds out what comes next.
    if (this.options.leadership.current() === undefined) {
      this.logEnds.clear();
      return;
    }
    const caughtUp = new Map<string, Candidate[]>();
    for (const c of candidates) {
      if (c.savedAfter !== c.latest) continue;
      const list = caughtUp.get(c.topic);
      if (list === undefined) caughtUp.set(c.topic, [c]);
      else list.push(c);
    }
    const seen: SeenPartition[] = [];
    for (const [topic, partitions] of caughtUp) {
      // Cached, and just used by the tick's own reads: a failure here is one they met
      // and reported; the topic is left to the timer until metadata loads again.
      const metadata = await this.options.kafka.metadata([topic]).catch((error: unknown) => {
        this.options.logger.debug({ err: error, topic }, 'no leaders to watch for the topic');
        return undefined;
      });
      const leaders = new Map(metadata?.topics[0]?.partitions.map((p) => [p.partition, p.leader]));
      for (const { partition, latest } of partitions) {
        const leader = leaders.get(partition);
        if (leader !== undefined) seen.push({ topic, partition, from: latest, leader });
      }
    }
    this.logEnds.watch(seen);
  }

  /**
   * Writes every partition's units and saved offset in dealing order, in as few script
   * calls as `writeCalls` allows (one, mostly), each followed by a replica wait; a
   * partition with nothing new and nothing to record costs no write. What each call
   * wrote is reported before the next call or wait, which may fail. A deposed leader
   * stops at once; a wait short of its replicas ends the tick's writes.
   */
  private async writeAll(
    term: Leadership,
    order: Candidate[],
    grants: Map<string, number>,
  ): Promise<{ complete: boolean; lastServed: PartitionKey | undefined }> {
    const { conf, redis, keys } = this.options;
    const writes: Write[] = [];
    for (const candidate of order) {
      const { topic, partition } = candidate;
      const plan = planUnits({
        topic,
        partition,
        from: candidate.from,
        to: candidate.latest,
        consumeStep: conf.consumeStep,
        freeWorkers: candidate.pieces,
        // With replicas to wait for, a first position is recorded with no units: the
        // first call holds every one of them, and its wait should cover little.
        maxUnits:
          conf.waitReplicas > 0 && candidate.saved === undefined
            ? 0
            : (grants.get(`${topic}/${partition}`) ?? 0),
        now: Date.now(),
      });
      this.carryRecords(plan);
      if (plan.units.length === 0 && candidate.from === candidate.saved) {
        candidate.savedAfter = candidate.from;
      } else writes.push({ candidate, plan });
    }
    let lastServed: PartitionKey | undefined;
    const calls = writeCalls(writes, (w) => w.candidate.saved === undefined, conf.waitReplicas);
    for (const call of calls) {
      const result = await schedulePartitions(
        redis,
        keys,
        term.epoch,
        call.map(({ candidate, plan }) => ({
          topic: candidate.topic,
          partition: candidate.partition,
          plannedFrom: candidate.saved,
          units: plan.units,
          nextOffset: plan.nextOffset,
        })),
        conf.ordering,
      ).catch((error: unknown) => {
        // The script may have run and only its reply been lost: the next tick reads the
        // saved offsets and reports what this call wrote (`confirmWrites`).
        this.unconfirmed.push({ term, call });
        throw error;
      });
      if (result.status === 'deposed') {
        this.options.leadership.deposed();
        return { complete: false, lastServed };
      }
      // Paused since the tick read the flag: the next tick sees it, and schedules nothing.
      if (result.status === 'paused') return { complete: false, lastServed };
      lastServed = this.reportCall(term, call, result.partitions) ?? lastServed;
      if (!(await this.replicas.afterWrite('scheduling units'))) {
        return { complete: false, lastServed };
      }
    }
    return { complete: true, lastServed };
  }

  /**
   * Units the long polls already read the records of carry them, up to the byte limit:
   * only from a poll that read from the plan's start (the saved offset), so that records
   * kept from before a reset, or from a topic since deleted and created again, are never
   * taken for the ones at those offsets now.
   */
  private carryRecords(plan: Plan): void {
    const maxBytes = this.options.conf.inlineRecordsMaxBytes;
    const first = plan.units[0];
    if (maxBytes === 0 || first === undefined) return;
    const polled = this.logEnds.recordsOf(first.topic, first.partition);
    if (polled?.from !== first.offset) return;
    const recordsOf = recordsCutter(polled, maxBytes, this.options.isolation);
    for (const unit of plan.units) {
      const records = recordsOf(unit.offset, unit.offset + unit.len);
      if (records !== undefined) unit.records = records;
    }
  }

  /**
   * The calls whose reply was lost: each partition whose saved offset now is the one its
   * write would have left was written, and is reported as it would have been; the others
   * were not, and the tick that reads them decides anew (reporting any move again).
   */
  private confirmWrites(saved: Record<string, string>): void {
    const calls = this.unconfirmed.splice(0);
    for (const { term, call } of calls) {
      const done = call.filter(
        ({ candidate: c, plan }) => saved[`${c.topic}/${c.partition}`] === String(plan.nextOffset),
      );
      this.reportCall(
        term,
        done,
        done.map(({ plan }) => ({ status: 'queued', units: plan.units.length })),
      );
    }
  }

  /**
   * Reports what one call wrote; returns the last partition it queued units of. A stale
   * partition (another leader's write moved its saved offset), or a busy one (a unit
   * requeued from the error list under `partition` ordering), is left to the next tick.
   */
  private reportCall(
    term: Leadership,
    call: Write[],
    outcomes: PartitionScheduled[],
  ): PartitionKey | undefined {
    const added = new Map<string, Array<{ partition: number; from: number }>>();
    let lastServed: PartitionKey | undefined;
    outcomes.forEach((outcome, i) => {
      const { candidate, plan } = call[i] as Write;
      if (outcome.status !== 'queued') return;
      const { topic, partition } = candidate;
      this.written(term, candidate, plan, outcome.units);
      if (candidate.added) {
        added.set(topic, [...(added.get(topic) ?? []), { partition, from: candidate.from }]);
      }
      if (plan.units.length > 0) lastServed = { topic, partition };
    });
    for (const [topic, partitions] of added) this.reportAdded(topic, partitions);
    return lastServed;
  }

  /** Reports what a partition's write moved and queued. */
  private written(term: Leadership, candidate: Candidate, plan: Plan, units: number): void {
    const { events, logger } = this.options;
    const { topic, partition } = candidate;
    candidate.savedAfter = plan.nextOffset;
    this.ahead.delete(`${topic}/${partition}`);
    if (candidate.fromCommitted) {
      logger.info(
        { topic, partition, from: candidate.from, groupId: this.options.groupId },
        'no saved offset: the partition starts where the Kafka consumer group committed',
      );
    }
    for (const moved of candidate.moved) {
      logger.warn(
        { topic, partition, from: moved.from, to: moved.to, reason: moved.reason },
        MOVED_MESSAGES[moved.reason],
      );
      events.emit('offsetsMoved', moved);
    }
    if (units > 0) {
      events.emit('unitsScheduled', {
        topic,
        partition,
        from: candidate.from,
        to: plan.nextOffset,
        units,
        epoch: term.epoch,
      });
    }
  }

  /**
   * `conf.metadataMaxAgeMs`: partitions added to a topic, or a topic recreated with
   * fewer, only show in reloaded metadata. True when it reloaded. Each topic is reloaded by itself: one missing
   * or refused topic fails a load of several, and would hide the others' changes.
   */
  private async reloadStaleMetadata(topics: string[]): Promise<boolean> {
    const { kafka, conf, logger } = this.options;
    const now = performance.now();
    if (now - this.metadataLoadedAt < conf.metadataMaxAgeMs) return false;
    this.metadataLoadedAt = now;
    await Promise.all(
      topics.map((topic) =>
        kafka.refreshMetadata([topic]).catch((error: unknown) => {
          // A topic deleted since its last lookup: its own lookup this tick says so.
          if (classifyOffsetsFailure(error) === 'topic-missing') return;
          logger.warn(
            { err: error, topic, retryInMs: conf.metadataMaxAgeMs },
            'reloading the topic metadata failed; its added partitions are seen once a reload succeeds',
          );
        }),
      ),
    );
    return true;
  }

  /**
   * The Kafka group's committed offsets of the topic's partitions that have nothing
   * saved (none asked when every partition has, or with `commitToKafka` off); undefined
   * when they could not be read.
   */
  private async committedOf(
    topic: string,
    partitions: PartitionOffsets[],
    saved: Record<string, string>,
  ): Promise<Map<number, number> | undefined> {
    if (!this.options.conf.commitToKafka) return new Map();
    const unsaved = partitions
      .map((p) => p.partition)
      .filter((partition) => saved[`${topic}/${partition}`] === undefined);
    // At most a tick's worth of waiting: a coordinator that does not answer holds the
    // other topics back no longer than that.
    return this.committedStarts.lookup(topic, unsaved, this.options.conf.workCalculateFreq);
  }

  private listedPartitions(): PartitionKey[] {
    return [...this.listed].flatMap(([topic, { partitions }]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
  }

  /**
   * A woken tick's offsets of a topic: the log ends the polls answered, when they answered
   * for every partition Kafka last listed (see `LogEndWatch.offsetsOf`), and it listed
   * them less than LISTED_FOR_MS ago; else undefined, and ListOffsets asks. The timer's
   * ticks always ask, and while data flows (every tick woken) ListOffsets still looks
   * once per LISTED_FOR_MS at what the polls do not watch (partitions added, a log end
   * below a saved offset, errors).
   */
  private polledOffsetsOf(
    topic: string,
    saved: Record<string, string>,
  ): PartitionOffsets[] | undefined {
    const listed = this.listed.get(topic);
    // A topic whose offsets fail is asked until ListOffsets answers, and says so.
    const troubled = this.failing.has(topic) || this.askingSince.has(topic);
    if (listed === undefined || troubled || performance.now() - listed.at >= LISTED_FOR_MS) {
      return undefined;
    }
    return this.logEnds.offsetsOf(topic, listed.partitions, (partition) => {
      const text = saved[`${topic}/${partition}`];
      return text === undefined ? undefined : Number(text);
    });
  }

  /** Reads a topic's offsets; on failure the topic sits out this tick, the others go on. */
  private async offsetsOf(topic: string): Promise<PartitionOffsets[]> {
    const { kafka, isolation, logger } = this.options;
    try {
      const offsets = await kafka.offsets(topic, isolation);
      this.listed.set(topic, {
        partitions: offsets.map((p) => p.partition),
        at: performance.now(),
      });
      if (this.missing.delete(topic)) {
        logger.info({ topic }, 'the topic exists now; it is scheduled');
      }
      this.askingSince.delete(topic);
      const failed = this.failing.get(topic);
      if (failed !== undefined) {
        this.failing.delete(topic);
        logger.info(
          { topic, failedForMs: Date.now() - failed.since },
          'offsets of the topic can be read again',
        );
      }
      return offsets;
    } catch (error) {
      switch (classifyOffsetsFailure(error)) {
        case 'leader-moved':
          // A partition's leader moved or died: the cached metadata names the old one, and
          // nothing else may refresh it while no unit of this topic is in flight.
          this.reportFailing(topic, error, 'handled');
          // The same outage as the report above: said there, not again every tick.
          await kafka.refreshMetadata([topic]).catch((refreshError: unknown) => {
            logger.debug(
              { err: refreshError, topic },
              'metadata refresh failed; the next tick retries',
            );
          });
          break;
        case 'topic-missing':
          // Its saved offsets stay in Redis, but a commit naming it would be refused.
          this.listed.delete(topic);
          if (!this.missing.has(topic)) {
            this.missing.add(topic);
            logger.warn(
              { topic },
              'topic or one of its partitions does not exist (yet); it is scheduled once it does',
            );
          }
          // The cached metadata may name partitions of an earlier topic of that name (one
          // recreated with fewer): the next look must be at the topic as it is now.
          await kafka.refreshMetadata([topic]).catch((refreshError: unknown) => {
            logger.debug({ err: refreshError, topic }, 'metadata of a missing topic not loaded');
          });
          break;
        case 'ask-again':
          this.askAgain(topic, error);
          break;
        case 'failed':
          this.reportFailing(topic, error, 'failed');
          break;
      }
      return [];
    }
  }

  /**
   * `OFFSET_NOT_AVAILABLE`: a new leader's high watermark is catching up, which takes a
   * moment. Asked again every tick; once it lasts longer than a metadata refresh period
   * it is reported as a failure, not left at debug level for good.
   */
  private askAgain(topic: string, error: unknown): void {
    const now = Date.now();
    const since = this.askingSince.get(topic) ?? now;
    this.askingSince.set(topic, since);
    if (now - since > this.options.conf.metadataMaxAgeMs) {
      this.reportFailing(topic, error, 'failed');
      return;
    }
    this.options.logger.debug(
      { err: error, topic },
      'a partition leader is catching up its high watermark; offsets asked again next tick',
    );
  }

  /**
   * The first failure of a stretch is reported, a different one too, and a lasting one
   * once every REPEAT_REPORT_MS: every tick would flood the log at 10 lines a second.
   * `handled`: a leader moving or a broker away, which kf rides out by itself, is a
   * warning; anything else (a refusal, an error kf cannot cure) an error and an `error`
   * event.
   */
  private reportFailing(topic: string, error: unknown, kind: 'handled' | 'failed'): void {
    const now = Date.now();
    const e = error as { code?: unknown; kafkaErrorCode?: unknown } | null;
    const what = `${String(e?.code)}/${String(e?.kafkaErrorCode)}`;
    const prior = this.failing.get(topic);
    if (prior !== undefined && prior.what === what && now - prior.reportedAt < REPEAT_REPORT_MS) {
      this.options.logger.debug({ err: error, topic }, 'offsets of the topic still fail');
      return;
    }
    this.failing.set(topic, { what, reportedAt: now, since: prior?.since ?? now });
    const message = `offsets of topic ${topic} could not be read; its partitions wait while the other topics go on, and every tick asks again`;
    if (kind === 'handled') this.options.logger.warn({ err: error, topic }, message);
    else this.options.events.report(error, message);
  }

  /** Where a partition starts this tick and what it wants, or undefined: nothing to do. */
  private decide(
    topic: string,
    offsets: PartitionOffsets,
    partitions: PartitionOffsets[],
    saved: Record<string, string>,
    freeWorkers: number,
    firstLooks: Map<string, AheadSighting>,
    committed: number | undefined,
  ): Candidate | undefined {
    const { conf, logger } = this.options;
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
      otherPartitionsSaved: partitions.some(
        (p) => p.partition !== partition && saved[`${topic}/${p.partition}`] !== undefined,
      ),
      ...(committed === undefined ? {} : { committed }),
    });
    if (savedOffset === undefined && committed !== undefined && committed > latest) {
      logger.warn(
        { topic, partition, committed, latest, groupId: this.options.groupId },
        'the Kafka consumer group committed an offset above the log end (an earlier topic of this name?); it is not used',
      );
    }
    const sighted = this.ahead.get(field);
    if (start.kind !== 'reset-ahead') this.ahead.delete(field);
    if (start.kind === 'saved' && sighted !== undefined && sighted.earliest < start.offset) {
      this.aheadPassed({
        topic,
        partition,
        from: sighted.earliest,
        to: start.offset,
        reason: 'ahead-passed',
      });
    }
    if (start.kind === 'wait-ahead') return undefined;
    const moved: OffsetsMovedEvent[] = [];
    let from = start.offset;
    if (start.kind === 'reset-ahead') {
      const previous = this.ahead.get(field);
      const decision = confirmAhead(
        previous,
        { saved: start.savedAhead, earliest, latest },
        conf.useEarliest,
      );
      if (decision.kind === 'confirm') {
        // Remembered once the metadata was reloaded (refreshForSecondLook).
        firstLooks.set(field, decision.sighting);
        const level = previous === undefined ? 'info' : 'debug';
        logger[level](
          { topic, partition, saved: start.savedAhead, latest },
          'the saved offset is above the log end; looking again after a metadata refresh before moving it',
        );
        return undefined;
      }
      // The sighting stays until the reset is written: a write that does not go through
      // must not leave the next tick without it (it reports `ahead-passed` from it).
      from = decision.offset;
      moved.push({
        topic,
        partition,
        from: decision.offset,
        to: decision.saved,
        reason: 'reset-ahead',
      });
      if (decision.skipped !== undefined) {
        moved.push({ topic, partition, ...decision.skipped, reason: 'reset-skipped' });
      }
    }
    if (start.kind === 'retention-skipped') {
      moved.push({ topic, partition, from: start.lostFrom, to: start.offset, reason: 'retention' });
    }
    // Kafka numbers a new partition from 0: an earliest above it is retention's doing.
    if (start.kind === 'added' && start.offset > 0) {
      moved.push({ topic, partition, from: 0, to: start.offset, reason: 'retention' });
    }
    const pieces = conf.ordering === 'partition' ? 1 : freeWorkers;
    const wanted = unitsWanted({
      from,
      to: latest,
      consumeStep: conf.consumeStep,
      freeWorkers: pieces,
    });
    return {
      topic,
      partition,
      saved: savedOffset,
      from,
      latest,
      wanted,
      pieces,
      moved,
      added: start.kind === 'added',
      fromCommitted:
        start.kind === 'committed' ||
        (start.kind === 'retention-skipped' && savedOffset === undefined),
    };
  }

  /**
   * The log grew past a saved offset seen above its end before a reset was confirmed.
   * Nothing to write, and either story is possible, so it is said as it is: not silent.
   */
  private aheadPassed(moved: OffsetsMovedEvent): void {
    this.options.logger.warn(
      { topic: moved.topic, partition: moved.partition, from: moved.from, to: moved.to },
      MOVED_MESSAGES['ahead-passed'],
    );
    this.options.events.emit('offsetsMoved', moved);
  }

  /**
   * A first look at a saved offset above the log end counts once the metadata was
   * reloaded after it, so the second look is the current leader's answer.
   */
  private async refreshForSecondLook(firstLooks: Map<string, AheadSighting>): Promise<void> {
    if (firstLooks.size === 0) return;
    const { kafka, logger } = this.options;
    const byTopic = new Map<string, Array<[string, AheadSighting]>>();
    for (const [field, sighting] of firstLooks) {
      const topic = field.slice(0, field.lastIndexOf('/'));
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), [field, sighting]]);
    }
    await Promise.all(
      [...byTopic].map(async ([topic, looks]) => {
        try {
          await kafka.refreshMetadata([topic]);
          for (const [field, sighting] of looks) this.ahead.set(field, sighting);
        } catch (error) {
          logger.warn({ err: error, topic }, 'metadata refresh failed; the next tick looks again');
        }
      }),
    );
  }

  /**
   * The free workers are shared by the partitions with a backlog, in proportion to it:
   * each partition cutting its own backlog for all of them would queue partitions ×
   * workers units of a message or two when records trickle in.
   */
  private shareWorkers(candidates: Candidate[], freeWorkers: number): void {
    const shares = workerShares(
      candidates.map((c) => c.latest - c.from),
      freeWorkers,
    );
    candidates.forEach((c, i) => {
      c.pieces = shares[i] ?? 1;
      c.wanted = unitsWanted({
        from: c.from,
        to: c.latest,
        consumeStep: this.options.conf.consumeStep,
        freeWorkers: c.pieces,
      });
    });
  }

  /** `ordering: 'partition'`: one unit at a time, and none while one is pending. */
  private async oneUnitAtATime(candidates: Candidate[]): Promise<void> {
    const { redis, keys } = this.options;
    await Promise.all(
      candidates
        .filter((c) => c.wanted > 0)
        .map(async (c) => {
          const pending = await redis.sortedSetRangeByScore(keys.pending(c.topic, c.partition), {
            min: '-inf',
            max: '+inf',
            count: 1,
          });
          c.wanted = pending.length > 0 ? 0 : 1;
        }),
    );
  }

  private reportAdded(topic: string, partitions: Array<{ partition: number; from: number }>) {
    partitions.sort((a, b) => a.partition - b.partition);
    this.options.logger.info(
      { topic, partitions },
      'partitions added to the topic after the group started; they are consumed from their earliest offset',
    );
    this.options.events.emit('partitionsAdded', { topic, partitions });
  }
}
