import type { ConsumerConf, GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import type { KafkaAccess } from '../kafka/kafka-access.js';
import { completedWatermarks } from '../progress/completed-watermarks.js';

/** A commit that keeps failing is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;

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
 * their last commit. Kafka is never read from these offsets while Redis has its own.
 */
export class ProgressCommit {
  private lastAt = 0;
  private failing: { since: number; reportedAt: number; failures: number } | undefined;

  constructor(private readonly options: ProgressCommitOptions) {}

  /** Commits once `commitIntervalMs` has passed since the last (at once when `now`). */
  async commit(topics: string[], when: 'due' | 'now' = 'due'): Promise<void> {
    const { conf, redis, keys, kafka, groupId, logger } = this.options;
    if (!conf.commitToKafka || topics.length === 0) return;
    const started = Date.now();
    if (when === 'due' && started - this.lastAt < conf.commitIntervalMs) return;
    this.lastAt = started;
    const progress = await completedWatermarks(redis, keys, topics);
    if (progress.length === 0) return;
    try {
      await kafka.commitOffsets(
        groupId,
        progress.map(({ topic, partition, completed }) => ({
          topic,
          partition,
          offset: completed,
        })),
      );
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
