import type { Isolation, KafkaAccess, PartitionOffsets } from '../../src/index.js';

/**
 * Called with the topic, which call of `offsets(topic)` this is (from 1), and the real
 * call; returns (or throws) what the organiser sees.
 */
export type OffsetsRewrite = (
  topic: string,
  call: number,
  real: () => Promise<PartitionOffsets[]>,
) => Promise<PartitionOffsets[]>;

export interface WrappedKafka {
  access: KafkaAccess;
  /** Every call, in order: `offsets <topic>` and `refresh <topics>`. */
  readonly calls: string[];
}

/**
 * The real Kafka access port with the organiser's `offsets()` answers rewritten per
 * topic, and every call recorded. Some broker answers cannot be produced on the
 * one-broker devstack: an authorization failure needs ACLs and an authorizer (SASL
 * users, a restarted broker), and a high watermark trailing after a leader change
 * needs a leader election timed to the organiser's tick. Everything else — metadata,
 * fetches, every other topic's offsets — is the real broker's.
 */
export function wrapKafka(real: KafkaAccess, rewrite: OffsetsRewrite): WrappedKafka {
  const calls: string[] = [];
  const perTopic = new Map<string, number>();
  const access: KafkaAccess = {
    metadata: (topics) => real.metadata(topics),
    refreshMetadata: (topics) => {
      calls.push(`refresh ${topics.join(',')}`);
      return real.refreshMetadata(topics);
    },
    offsets: (topic: string, isolation?: Isolation) => {
      const call = (perTopic.get(topic) ?? 0) + 1;
      perTopic.set(topic, call);
      calls.push(`offsets ${topic}`);
      return rewrite(topic, call, () => real.offsets(topic, isolation));
    },
    fetch: (request) => real.fetch(request),
    offsetsAt: (topic, timestampMs, isolation) => real.offsetsAt(topic, timestampMs, isolation),
    commitOffsets: (groupId, offsets) => real.commitOffsets(groupId, offsets),
    committedOffsets: (groupId, topic, partitions) =>
      real.committedOffsets(groupId, topic, partitions),
    close: () => real.close(),
  };
  return { access, calls };
}
