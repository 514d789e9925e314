import type { ConsumerConf, GroupKeys } from '@kf/core';
import type { IRedis, KafkaAccess, Logger } from '@kf/protocol';
import { readProgress } from '../progress/completed-watermarks.js';
import type { PartitionKey } from './fair-share.js';

/** A commit that keeps failing is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;
/** The longest a close waits for its last commit (and for one still in flight). */
const CLOSE_COMMIT_DEADLINE_MS = 3_000;

export interface ProgressCommitOptions {
  redis: IRedis;
  keys: GroupKeys;
  kafka: KafkaAccess;
  conf: ConsumerConf;
  /** The Kafka consumer group the progress is committed to. */
  groupId: string;
  logger: Logger;
}

/**
 * The leader's commits of each partition's completed watermark to a Kafka consumer
 * group, so Kafka's own tools (kafka-consumer-groups, lag exporters, UIs) see the kf
 * group's progress and lag. Every partition is committed each time, changed or not: a
 * group with no members keeps its offsets only for `offsets.retention.minutes` after
 * their last commit. Only partitions Kafka listed on a tick are committed, so a topic
 * deleted from under the group does not fail the commit of the others.
 */
export class ProgressCommit {
  private lastAt = 0;
  private epoch: number | undefined;
  private inFlight: Promise<void> | undefined;
  private failing: { since: number; reportedAt: number; failures: number } | undefined;

  constructor(private readonly options: ProgressCommitOptions) {}

  /**
   * Starts a commit in the background when one is due: at once in a new term, then
   * every `commitIntervalMs`. Commits run beside the ticks, never in them, and a new one
   * starts only once the last has ended (kafkajs's request timeout bounds it), so a
   * coordinator that does not answer costs commits, never scheduling, and an older
   * snapshot can never land after a newer one. Never throws; failures are reported.
   */
  kick(epoch: number, partitions: PartitionKey[]): void {
    if (!this.options.conf.commitToKafka) return;
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.lastAt = 0;
    }
    if (this.inFlight !== undefined) return;
    if (Date.now() - this.lastAt < this.options.conf.commitIntervalMs) return;
    this.started(this.commit(epoch, partitions));
  }

  /**
   * On close, while still leader: once the commit in flight ended, a last one, within
   * CLOSE_COMMIT_DEADLINE_MS in all. None is sent while an earlier one may still land.
   */
  async last(epoch: number, partitions: PartitionKey[]): Promise<void> {
    if (!this.options.conf.commitToKafka) return;
    const until = Date.now() + CLOSE_COMMIT_DEADLINE_MS;
    if (this.inFlight !== undefined && !(await bounded(this.inFlight, CLOSE_COMMIT_DEADLINE_MS))) {
      this.reportFailure(
        new Error('the last commit was not sent: an earlier one is still in flight'),
      );
      return;
    }
    const last = this.started(this.commit(epoch, partitions));
    if (!(await bounded(last, Math.max(1, until - Date.now())))) {
      this.reportFailure(
        new Error(`the last commit did not end within ${CLOSE_COMMIT_DEADLINE_MS} ms`),
      );
    }
  }

  private started(commit: Promise<void>): Promise<void> {
    const inFlight = commit.finally(() => {
      if (this.inFlight === inFlight) this.inFlight = undefined;
    });
    this.inFlight = inFlight;
    return inFlight;
  }

  private async commit(epoch: number, partitions: PartitionKey[]): Promise<void> {
    const { redis, keys, kafka, groupId, logger } = this.options;
    try {
      const snapshot = await readProgress(redis, keys, partitions);
      // A newer leader commits from its own ticks; this one's view may be older.
      if (snapshot.epoch !== epoch || snapshot.partitions.length === 0) return;
      this.lastAt = Date.now();
      const offsets = snapshot.partitions.map(({ topic, partition, completed }) => ({
        topic,
        partition,
        offset: completed,
      }));
      await kafka.commitOffsets(groupId, offsets);
    } catch (error) {
      this.reportFailure(error);
      return;
    }
    if (this.failing !== undefined) {
      logger.info(
        { groupId, failedForMs: Date.now() - this.failing.since, failures: this.failing.failures },
        'committing progress to the Kafka consumer group works again',
      );
      this.failing = undefined;
    }
  }

  /**
   * Consumption goes on without the commit, so it is a warning: the first failure of a
   * stretch, then one a minute with the count since.
   */
  private reportFailure(error: unknown): void {
    const now = Date.now();
    const failing = this.failing ?? { since: now, reportedAt: 0, failures: 0 };
    failing.failures += 1;
    this.failing = failing;
    if (now - failing.reportedAt < REPEAT_REPORT_MS) return;
    failing.reportedAt = now;
    this.options.logger.warn(
      {
        err: error,
        groupId: this.options.groupId,
        failures: failing.failures,
        failingForMs: now - failing.since,
      },
      'committing progress to the Kafka consumer group failed; Kafka tools show older offsets until a commit succeeds (consumption goes on)',
    );
  }
}

/** Whether `work` settled within `ms`; it is not cancelled, only no longer waited for. */
async function bounded(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
