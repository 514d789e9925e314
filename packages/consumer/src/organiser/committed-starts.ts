import type { Logger } from '@kf/protocol';
import type { KafkaAccess } from '../kafka/kafka-access.js';

/** A read that keeps failing is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;

/**
 * Where a partition Redis has no saved offset for starts when the Kafka consumer group
 * (`kafka.groupId`) committed one: an app moving from a kafkajs consumer group to kf
 * keeps its place. Asked only for partitions with nothing saved, so once per partition
 * in the life of a group.
 */
export class CommittedStarts {
  private readonly failingSince = new Map<string, { since: number; reportedAt: number }>();

  constructor(
    private readonly kafka: KafkaAccess,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The group's committed offset per partition (absent: none committed), or undefined
   * when the group could not be read: those partitions then wait for the next tick, as
   * starting them from `useEarliest` instead would lose the group's place for good.
   */
  async read(topic: string, partitions: number[]): Promise<Map<number, number> | undefined> {
    if (partitions.length === 0) return new Map();
    try {
      const found = await this.kafka.committedOffsets(this.groupId, topic, partitions);
      this.failingSince.delete(topic);
      return new Map(found.map((p) => [p.partition, p.offset]));
    } catch (error) {
      const now = Date.now();
      const failing = this.failingSince.get(topic) ?? { since: now, reportedAt: 0 };
      this.failingSince.set(topic, failing);
      if (now - failing.reportedAt >= REPEAT_REPORT_MS) {
        failing.reportedAt = now;
        this.logger.warn(
          { err: error, topic, groupId: this.groupId, failingForMs: now - failing.since },
          'reading the Kafka consumer group offsets failed; partitions with no saved offset wait until it can be read',
        );
      }
      return undefined;
    }
  }
}
