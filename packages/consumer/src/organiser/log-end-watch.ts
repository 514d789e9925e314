import type {
  Isolation,
  KafkaAccess,
  LogEnd,
  Logger,
  PartitionOffsets,
  PolledRecords,
  WatchedPartition,
} from '@kf/protocol';

/**
 * How long a broker may hold a poll with nothing new. Short enough that a poll ends soon
 * after leadership or the watched partitions change, and that closing the leader (which
 * waits for the poll in flight: this long from a broker that answers, up to the request
 * timeout from one that does not) stays quick; long enough that an idle group's leader
 * asks each broker only four times a second (no Redis command is involved).
 */
export const LOG_END_WAIT_MS = 250;

/** A partition the leader's last tick looked at, with its leader broker. */
export interface SeenPartition extends WatchedPartition {
  leader: number;
}

export interface LogEndWatchOptions {
  kafka: Pick<KafkaAccess, 'awaitLogEnds'>;
  isolation: Isolation;
  logger: Logger;
  /** Asks the organiser for a tick now. */
  wake(): void;
  maxWaitMs?: number;
  /** Bytes of each partition's new records the polls bring back for units to carry; 0: none. */
  recordsMaxBytes?: number;
}

/**
 * The leader's long polls of the log ends: one per partition-leader broker, from the log
 * end its last tick saw, so that new data wakes the organiser at once instead of waiting
 * for its next tick. After a wake (or a failed poll) a broker is polled again only once
 * a tick has told it what it saw, so a poll never answers the same data twice in a row
 * and never spins while Kafka fails: the ticks report those failures.
 */
export class LogEndWatch {
  private byLeader = new Map<number, WatchedPartition[]>();
  /** Each partition's log start and end as the latest answer of its broker told them. */
  private readonly known = new Map<string, { earliest: number; latest: number }>();
  /** Each partition's new records as its broker's latest answer held them. */
  private readonly polled = new Map<string, PolledRecords>();
  private readonly polls = new Set<number>();
  private stopped = false;
  private nextTick = resolvable();

  constructor(private readonly options: LogEndWatchOptions) {}

  /** Whether the Kafka port can long-poll; without it the organiser ticks on its timer only. */
  get available(): boolean {
    return this.options.kafka.awaitLogEnds !== undefined;
  }

  /**
   * After each tick of the leader: the partitions it saw and the log end of each. Polls
   * start on brokers that lead some of them; a broker that leads none any more ends its
   * poll after its current request.
   */
  watch(seen: SeenPartition[]): void {
    if (this.stopped || !this.available) return;
    const byLeader = new Map<number, WatchedPartition[]>();
    for (const { leader, topic, partition, from } of seen) {
      if (leader < 0) continue;
      const list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, [{ topic, partition, from }]);
      else list.push({ topic, partition, from });
    }
    this.byLeader = byLeader;
    // What is known stays known only of the partitions watched: of the others no poll
    // tells when it changes.
    const watched = new Set(seen.map(({ topic, partition }) => `${topic}/${partition}`));
    for (const field of this.known.keys()) if (!watched.has(field)) this.known.delete(field);
    for (const field of this.polled.keys()) if (!watched.has(field)) this.polled.delete(field);
    this.tickDone();
    for (const leader of byLeader.keys()) {
      if (!this.polls.has(leader)) void this.poll(leader);
    }
  }

  /** Not the leader, or paused: every poll ends after its current request. */
  clear(): void {
    this.byLeader = new Map();
    this.known.clear();
    this.polled.clear();
    this.tickDone();
  }

  /**
   * The offsets of `partitions` of `topic` as the polls' latest answers told them, in
   * place of a ListOffsets: undefined unless every one of them was answered without an
   * error, and at or above `atLeast` (the saved offset of each, where one is saved). A
   * log end below a saved offset may be a truncated log or an answer from before the
   * write that moved it: ListOffsets, from the leader as it is now, sorts that out.
   */
  offsetsOf(
    topic: string,
    partitions: number[],
    atLeast: (partition: number) => number | undefined,
  ): PartitionOffsets[] | undefined {
    const offsets: PartitionOffsets[] = [];
    for (const partition of partitions) {
      const end = this.known.get(`${topic}/${partition}`);
      if (end === undefined || end.latest < (atLeast(partition) ?? end.earliest)) return undefined;
      offsets.push({ partition, ...end });
    }
    return offsets.length > 0 ? offsets : undefined;
  }

  /**
   * The records of `topic/partition` the latest answer of its broker brought, when it
   * brought any: they stay valid (a log's records do not change), but only the latest
   * can hold what a tick has yet to schedule.
   */
  recordsOf(topic: string, partition: number): PolledRecords | undefined {
    return this.polled.get(`${topic}/${partition}`);
  }

  /** Closing: polls end; a request in flight ends when the Kafka access closes. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** An error answered for a partition leaves nothing known of it: a ListOffsets looks. */
  private remember(ends: LogEnd[]): void {
    for (const end of ends) {
      const field = `${end.topic}/${end.partition}`;
      if (end.error === undefined)
        this.known.set(field, { earliest: end.earliest, latest: end.latest });
      else this.known.delete(field);
      if (end.error === undefined && end.records !== undefined) this.polled.set(field, end.records);
      else this.polled.delete(field);
    }
  }

  private forget(partitions: WatchedPartition[]): void {
    for (const { topic, partition } of partitions) {
      this.known.delete(`${topic}/${partition}`);
      this.polled.delete(`${topic}/${partition}`);
    }
  }

  private tickDone(): void {
    const done = this.nextTick;
    this.nextTick = resolvable();
    done.resolve();
  }

  private async poll(leader: number): Promise<void> {
    const { kafka, isolation, logger } = this.options;
    const awaitLogEnds = kafka.awaitLogEnds;
    if (awaitLogEnds === undefined) return;
    this.polls.add(leader);
    try {
      for (;;) {
        const partitions = this.byLeader.get(leader);
        if (this.stopped || partitions === undefined) return;
        const tick = this.nextTick.promise;
        const maxWaitMs = this.options.maxWaitMs ?? LOG_END_WAIT_MS;
        const began = performance.now();
        let ends: LogEnd[] | undefined;
        try {
          ends = await awaitLogEnds.call(kafka, leader, partitions, {
            maxWaitMs,
            isolation,
            recordsMaxBytes: this.options.recordsMaxBytes ?? 0,
          });
        } catch (error) {
          if (this.stopped) return;
          // The same broker trouble fails the tick's own requests, which report it.
          logger.debug(
            { err: error, broker: leader },
            'waiting for new data failed; the broker is polled again after the next tick',
          );
        }
        if (this.stopped) return;
        if (ends === undefined) this.forget(partitions);
        const verdict = ends === undefined ? 'failed' : judge(partitions, ends);
        // A watch cleared (deposed, paused) or moved on while the poll waited has nothing
        // to wake, nor to tell the next tick: the answer is about partitions it no longer
        // watches here.
        if (this.byLeader.get(leader) === partitions) {
          if (ends !== undefined) this.remember(ends);
          if (verdict === 'new-data') this.options.wake();
        }
        // Nothing new well before the wait ran out is a broker not holding the poll:
        // asking again at once would spin.
        const heldBack = verdict === 'nothing-new' && performance.now() - began >= maxWaitMs / 2;
        if (!heldBack) await tick;
      }
    } finally {
      this.polls.delete(leader);
    }
  }
}

/**
 * `new-data` when a partition's log end passed what the tick saw; `failed` when Kafka
 * answered an error for one (a leader moved, a log truncated: the tick sorts it out);
 * else `nothing-new` (the wait ran out).
 */
function judge(watched: WatchedPartition[], ends: LogEnd[]): 'new-data' | 'failed' | 'nothing-new' {
  const from = new Map(watched.map((w) => [`${w.topic}/${w.partition}`, w.from]));
  let failed = false;
  for (const end of ends) {
    if (end.error !== undefined) {
      failed = true;
      continue;
    }
    const seen = from.get(`${end.topic}/${end.partition}`);
    if (seen !== undefined && end.latest > seen) return 'new-data';
  }
  return failed ? 'failed' : 'nothing-new';
}

function resolvable(): { promise: Promise<void>; resolve(): void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
