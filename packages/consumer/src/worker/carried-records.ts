import type { FetchRequest, FetchResult, KafkaAccess } from '@kf/protocol';
import type { WorkUnit } from '../work-unit/work-unit.js';

/**
 * A unit's first read, from the records it carries (see `UnitRecords`) instead of
 * Kafka: `undefined` when it carries none the request can use (read from above its
 * offset, or under the other isolation), when the port cannot decode them, or when they
 * hold nothing at the request's offset; the caller fetches then. Records that do not
 * decode are reported through `unreadable` and fetched.
 */
export async function readCarried(
  unit: WorkUnit,
  request: FetchRequest,
  kafka: Pick<KafkaAccess, 'readRecords'>,
  unreadable: (error: unknown) => void,
): Promise<FetchResult | undefined> {
  const carried = unit.records;
  if (
    carried === undefined ||
    kafka.readRecords === undefined ||
    request.offset < carried.from ||
    // Read under the other isolation (nodes configured apart, or during a change of it):
    // what they hold, or the aborted transactions listed with them, is not this node's.
    carried.isolation !== request.isolation
  ) {
    return undefined;
  }
  let result: FetchResult;
  try {
    result = await kafka.readRecords(
      {
        data: Buffer.from(carried.data, 'base64'),
        abortedTransactions: carried.aborted.map(([producerId, firstOffset]) => ({
          producerId,
          firstOffset,
        })),
      },
      {
        topic: unit.topic,
        partition: unit.partition,
        offset: request.offset,
        endOffset: request.endOffset ?? unit.offset + unit.len,
        isolation: request.isolation,
      },
    );
  } catch (error) {
    unreadable(error);
    return undefined;
  }
  return result.nextOffset > request.offset ? result : undefined;
}
