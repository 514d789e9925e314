import type { KafkaAccess, Logger } from '@kf/protocol';

/** A read that keeps failing is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;
/** After a failed read, the next is tried this much later. */
const RETRY_AFTER_MS = 1_000;

interface Answer {
  asked: Set<number>;
  offsets: Map<number, number>;
}

/**
 * Where a partition Redis has no saved offset for starts when the Kafka consumer group
 * (`kafka.groupId`) committed one: an app moving from a kafkajs consumer group to kf
 * keeps its place. The group is read beside the ticks, never in them (a coordinator
 * that does not answer must not hold up the other topics), and only for partitions with
 * nothing saved, so about once per partition in the life of a group.
 */
export class CommittedStarts {
  private readonly answers = new Map<string, Answer>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly retryAt = new Map<string, number>();
  private readonly failing = new Map<string, { since: number; reportedAt: number }>();

  constructor(
    private readonly kafka: KafkaAccess,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The group's committed offset of each of `partitions` (absent: none committed), or
   * undefined while it is being read: those partitions wait, since starting them from
   * `useEarliest` instead would lose the group's place for good. A refusal that asking
   * again cannot cure (no ACL for the group) is reported once and read as "none
   * committed". A read under way is waited for up to `waitMs` (a tick's worth), so a
   * new group's partitions usually start on the tick that found them.
   */
  async lookup(
    topic: string,
    partitions: number[],
    waitMs: number,
  ): Promise<Map<number, number> | undefined> {
    if (partitions.length === 0) return new Map();
    const answered = () => {
      const answer = this.answers.get(topic);
      return answer !== undefined && partitions.every((p) => answer.asked.has(p))
        ? answer.offsets
        : undefined;
    };
    const known = answered();
    if (known !== undefined) return known;
    const reading = this.read(topic, partitions);
    if (reading === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      reading,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return answered();
  }

  /** A new term asks the group afresh. */
  forget(): void {
    this.answers.clear();
    this.retryAt.clear();
  }

  /** The read of the topic under way, started now if none is and none failed just now. */
  private read(topic: string, partitions: number[]): Promise<void> | undefined {
    const under = this.reading.get(topic);
    if (under !== undefined) return under;
    if (Date.now() < (this.retryAt.get(topic) ?? 0)) return undefined;
    const asked = new Set(partitions);
    const reading = this.kafka
      .committedOffsets(this.groupId, topic, partitions)
      .then(
        (found) => {
          this.failing.delete(topic);
          this.answers.set(topic, {
            asked,
            offsets: new Map(found.map((p) => [p.partition, p.offset])),
          });
        },
        (error: unknown) => {
          if (isRefusal(error)) {
            this.logger.warn(
              { err: error, topic, groupId: this.groupId },
              'the Kafka consumer group cannot be read: partitions with no saved offset start as useEarliest says (grant the group Describe, or set conf.commitToKafka false)',
            );
            this.answers.set(topic, { asked, offsets: new Map() });
            return;
          }
          this.retryAt.set(topic, Date.now() + RETRY_AFTER_MS);
          this.reportWaiting(topic, error);
        },
      )
      .finally(() => this.reading.delete(topic));
    this.reading.set(topic, reading);
    return reading;
  }

  private reportWaiting(topic: string, error: unknown): void {
    const now = Date.now();
    const failing = this.failing.get(topic) ?? { since: now, reportedAt: 0 };
    this.failing.set(topic, failing);
    if (now - failing.reportedAt < REPEAT_REPORT_MS) return;
    failing.reportedAt = now;
    this.logger.warn(
      { err: error, topic, groupId: this.groupId, failingForMs: now - failing.since },
      'reading the Kafka consumer group offsets failed; partitions with no saved offset wait until it can be read',
    );
  }
}

/**
 * A broker's answer that asking again does not change (an authorization failure, an
 * unsupported request). Connection failures, timeouts and retriable codes are not.
 */
function isRefusal(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown; retriable?: unknown } } | null)?.cause;
  return typeof cause?.code === 'number' && cause.retriable === false;
}
