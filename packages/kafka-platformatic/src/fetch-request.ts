import type { Isolation } from '@kf/protocol';
import { type Connection, fetchV11 } from '@platformatic/kafka';
import { sendRaw } from './broker-connections.js';
import { type FetchV11Response, parseFetchV11 } from './fetch-response.js';

const FETCH_API_KEY = 1;
/** The Fetch version read (fetch-response.ts); every broker since Kafka 2.3 serves it, 4.x included. */
const FETCH_VERSION = 11;
const NO_LEADER_EPOCH = -1;
/** Sessionless fetches: session id 0 with epoch -1 (KIP-227). */
const NO_SESSION = { id: 0, epoch: -1 };
/** Answer as soon as anything is there. */
const MIN_BYTES = 1;

export const ISOLATION_LEVEL: Record<Isolation, 0 | 1> = { read_uncommitted: 0, read_committed: 1 };

/** One partition a Fetch reads, from `offset`, up to `maxBytes` of its record batches. */
export interface FetchedPartition {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

/**
 * One sessionless Fetch v11 of `partitions` (all led by the connection's broker), its
 * answer read without decoding any record (fetch-response.ts).
 */
export function sendFetch(
  connection: Connection,
  request: {
    partitions: readonly FetchedPartition[];
    maxWaitMs: number;
    maxBytes: number;
    isolation: Isolation;
  },
): Promise<FetchV11Response> {
  const byTopic = new Map<string, FetchedPartition[]>();
  for (const p of request.partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  return sendRaw(
    connection,
    FETCH_API_KEY,
    FETCH_VERSION,
    () =>
      fetchV11.createRequest(
        request.maxWaitMs,
        MIN_BYTES,
        request.maxBytes,
        ISOLATION_LEVEL[request.isolation],
        NO_SESSION.id,
        NO_SESSION.epoch,
        [...byTopic].map(([topic, partitions]) => ({
          topicId: topic,
          partitions: partitions.map((p) => ({
            partition: p.partition,
            currentLeaderEpoch: NO_LEADER_EPOCH,
            fetchOffset: BigInt(p.offset),
            lastFetchedEpoch: NO_LEADER_EPOCH,
            partitionMaxBytes: p.maxBytes,
          })),
        })),
        [],
        '',
      ),
    parseFetchV11,
  );
}
