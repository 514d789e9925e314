/** A topic as the port caches it: partitions by number, each with its leader (-1: none). */
export interface CachedTopic {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>;
}

export interface CachedBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface LoadedMetadata {
  brokers: CachedBroker[];
  topics: CachedTopic[];
}

/**
 * The cluster's metadata, per topic: each reload asks for exactly the topics its caller
 * wants and its answer is merged in, so one topic's trouble (deleted, offline) stays
 * that topic's. Reloads run one at a time, and callers asking for the same topics
 * meanwhile share one; a failure goes only to the callers that asked for those topics.
 */
export class MetadataCache {
  private readonly topics = new Map<string, CachedTopic>();
  private readonly leaders = new Map<string, Map<number, number>>();
  private brokerList: CachedBroker[] = [];
  private readonly inFlight = new Map<string, Promise<LoadedMetadata>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** Loads metadata for exactly `topics` from the cluster; throws on any topic's error. */
    private readonly load: (topics: string[]) => Promise<LoadedMetadata>,
    /** Whether an error says a topic does not exist: such a topic leaves the cache. */
    private readonly isUnknownTopic: (error: unknown) => boolean,
  ) {}

  get brokers(): CachedBroker[] {
    return this.brokerList;
  }

  /** The cached answer for `topics`, or undefined when one of them was never loaded. */
  cached(topics: string[]): LoadedMetadata | undefined {
    const found = topics.map((t) => this.topics.get(t));
    if (found.some((t) => t === undefined)) return undefined;
    return { brokers: this.brokerList, topics: found as CachedTopic[] };
  }

  /** The cached leader of a partition (-1 while it has none); undefined when not cached. */
  leader(topic: string, partition: number): number | undefined {
    return this.leaders.get(topic)?.get(partition);
  }

  broker(nodeId: number): CachedBroker | undefined {
    return this.brokerList.find((b) => b.nodeId === nodeId);
  }

  /** Reloads `topics` (shared with a reload of the same topics already under way). */
  refresh(topics: string[]): Promise<LoadedMetadata> {
    const key = [...new Set(topics)].sort().join('\n');
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const started = this.queue
      .then(() => this.loadInto(topics))
      .finally(() => this.inFlight.delete(key));
    this.queue = started.catch(() => undefined);
    this.inFlight.set(key, started);
    return started;
  }

  private async loadInto(topics: string[]): Promise<LoadedMetadata> {
    let answer: LoadedMetadata;
    try {
      answer = await this.load(topics);
    } catch (error) {
      // A topic deleted since it was cached must not go on being served from the cache.
      if (this.isUnknownTopic(error) && topics.length === 1) {
        this.topics.delete(topics[0] as string);
        this.leaders.delete(topics[0] as string);
      }
      throw error;
    }
    this.brokerList = answer.brokers;
    for (const topic of answer.topics) {
      this.topics.set(topic.topic, topic);
      this.leaders.set(topic.topic, new Map(topic.partitions.map((p) => [p.partition, p.leader])));
    }
    return answer;
  }
}
