import { Mutex } from 'async-mutex';
import type { KafkajsMetadata } from './kafkajs-internals.js';

type TopicMetadata = KafkajsMetadata['topicMetadata'][number];

/**
 * kf's own view of the cluster's metadata, per topic. kafkajs keeps one answer for
 * every topic it was ever asked about and reloads them all together, so one deleted
 * topic (or one with an offline partition) failed every later reload of every other
 * topic on that process. Here each reload asks for exactly the topics its caller wants
 * and its answer is merged in, so one topic's trouble stays that topic's. Reloads run
 * one at a time (kafkajs's broker pool races replacing its broker table otherwise), and
 * callers asking for the same topics meanwhile share one; a failure goes only to the
 * callers that asked for those topics.
 */
export class MetadataCache {
  private readonly topics = new Map<string, TopicMetadata>();
  /**
   * Each cached topic's leaders by partition, rebuilt only when its metadata is loaded:
   * every fetch looks its leader up here, not through a copy of the whole answer.
   */
  private readonly leaders = new Map<string, Map<number, number>>();
  private brokers: KafkajsMetadata['brokers'] = [];
  private readonly lock = new Mutex();
  private readonly inFlight = new Map<string, Promise<KafkajsMetadata>>();

  constructor(
    /** Loads metadata for exactly `topics` from the cluster; throws on any topic's error. */
    private readonly load: (topics: string[]) => Promise<KafkajsMetadata>,
    /** Whether an error says a topic does not exist: such a topic leaves the cache. */
    private readonly isUnknownTopic: (error: unknown) => boolean,
  ) {}

  /** The cached answer for `topics`, or undefined when one of them was never loaded. */
  cached(topics: string[]): KafkajsMetadata | undefined {
    const found = topics.map((t) => this.topics.get(t));
    if (found.some((t) => t === undefined)) return undefined;
    return { brokers: this.brokers, topicMetadata: found as TopicMetadata[] };
  }

  /**
   * The cached leader of a partition (-1 while it has none), or undefined when the topic
   * was never loaded or the partition is not in its cached answer.
   */
  leader(topic: string, partition: number): number | undefined {
    return this.leaders.get(topic)?.get(partition);
  }

  /** Reloads `topics` (shared with a reload of the same topics already under way). */
  refresh(topics: string[]): Promise<KafkajsMetadata> {
    const key = [...new Set(topics)].sort().join('\n');
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const started = this.lock
      .runExclusive(() => this.loadInto(topics))
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async loadInto(topics: string[]): Promise<KafkajsMetadata> {
    let answer: KafkajsMetadata;
    try {
      answer = await this.load(topics);
    } catch (error) {
      // A topic deleted since it was cached must not go on being served from the cache.
      if (this.isUnknownTopic(error) && topics.length === 1) this.forget(topics[0] as string);
      throw error;
    }
    this.brokers = answer.brokers;
    for (const topic of answer.topicMetadata) {
      this.topics.set(topic.topic, topic);
      this.leaders.set(
        topic.topic,
        new Map(topic.partitionMetadata.map((p) => [p.partitionId, p.leader])),
      );
    }
    return answer;
  }

  private forget(topic: string): void {
    this.topics.delete(topic);
    this.leaders.delete(topic);
  }
}
