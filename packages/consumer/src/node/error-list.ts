import type { GroupKeys, Ordering } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import { decodeUnit, encodeUnit, type WorkUnit } from '../work-unit/work-unit.js';
import type { ErrorEntry, ErrorReason } from '../worker/fail-unit.js';

/** An error-list entry as read back: the entry, and its raw string (its identity). */
export interface ListedError extends ErrorEntry {
  raw: string;
}

/** What `requeue` did with the entries its filter accepted. */
export interface RequeueResult {
  /** Entries whose units were queued again (and removed from the list). */
  requeued: number;
  /**
   * Under `ordering: 'partition'`: entries left listed because another unit of their
   * partition was queued or in flight, which the requeued unit would have run beside.
   * Requeue them again once it has settled.
   */
  partitionBusy: number;
  /**
   * `MALFORMED_UNIT` entries left listed because this node cannot read their unit either
   * (see `requeue`).
   */
  unreadable: number;
}

export interface ErrorList {
  /** How many entries the group's error list holds. */
  count(): Promise<number>;
  /** Entries oldest first, `offset` and `limit` paging through them (default 0 and 100). */
  list(options?: { offset?: number; limit?: number }): Promise<ListedError[]>;
  /**
   * Queues the units of the entries `filter` accepts (all when omitted) again with their
   * attempts reset, flagged `redelivered`. An entry whose unit is a raw string
   * (`MALFORMED_UNIT`) is queued when this node reads the string now — a unit a newer
   * kf wrote, error-listed by an older node during a rolling upgrade — and stays listed
   * otherwise. When the group's leader schedules under `ordering: 'partition'` an entry is
   * queued only while no other unit of its partition is queued or in flight, and stays
   * listed otherwise. Returns how many
   * were queued and how many stayed, and why.
   */
  requeue(filter?: (entry: ListedError) => boolean): Promise<RequeueResult>;
}

const PAGE = 500;

/**
 * The group's error list: read it, and queue what was fixed again. Requeues follow the
 * `ordering` the group's leader schedules under, and `ordering` (the caller's) until a
 * leader has said.
 */
export function createErrorList(redis: IRedis, keys: GroupKeys, ordering: Ordering): ErrorList {
  const list: ErrorList['list'] = async (options = {}) => {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 100;
    if (limit <= 0) return [];
    const raws = await redis.listRange(keys.error, offset, offset + limit - 1);
    return raws.map(parseEntry);
  };
  return {
    count: () => redis.listLength(keys.error),
    list,
    async requeue(filter = () => true) {
      const result: RequeueResult = { requeued: 0, partitionBusy: 0, unreadable: 0 };
      let offset = 0;
      for (;;) {
        const page = await list({ offset, limit: PAGE });
        if (page.length === 0) return result;
        let removed = 0;
        for (const entry of page) {
          if (!filter(entry)) continue;
          const unit = readable(entry.unit);
          if (unit === undefined) {
            result.unreadable += 1;
            continue;
          }
          const outcome = await requeueOne(redis, keys, entry.raw, unit, ordering);
          if (outcome === ScriptStatus.Done) {
            result.requeued += 1;
            removed += 1;
          } else if (outcome === ScriptStatus.PartitionBusy) result.partitionBusy += 1;
        }
        offset += page.length - removed;
      }
    },
  };
}

/** The entry's unit, when this node can run it. */
function readable(unit: WorkUnit | string): WorkUnit | undefined {
  if (typeof unit !== 'string') return unit;
  const decoded = decodeUnit(unit);
  return decoded.ok ? decoded.unit : undefined;
}

async function requeueOne(
  redis: IRedis,
  keys: GroupKeys,
  raw: string,
  unit: WorkUnit,
  ordering: Ordering,
): Promise<ScriptStatus> {
  // The id stays: a unit error-listed as malformed kept its pending entry (the node that
  // listed it could not read its partition), and completing the requeued unit removes it.
  // Flagged: a node may have handed part of it to user code before it gave up on it.
  const fresh = { ...unit, attempts: 0, redelivered: true };
  const reply = await redis.evalScript(
    scripts.requeueError,
    [keys.error, keys.work, keys.pending(unit.topic, unit.partition), keys.ordering],
    [raw, encodeUnit(fresh), unit.id, unit.offset, ordering],
  );
  // Stale: requeued or removed by someone else since it was read.
  return statusReply(scripts.requeueError, reply, [
    ScriptStatus.Done,
    ScriptStatus.Stale,
    ScriptStatus.PartitionBusy,
  ]).status;
}

const REASONS: readonly ErrorReason[] = [
  'OFFSET_OUT_OF_RANGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'MALFORMED_UNIT',
  'ATTEMPTS_EXHAUSTED',
];

/**
 * Reads an entry back. One that is not kf's own (pushed by hand) is shown as a malformed
 * unit rather than hidden, so the list never holds something `list()` cannot show.
 */
function parseEntry(raw: string): ListedError {
  try {
    const entry = JSON.parse(raw) as Partial<ErrorEntry>;
    if (
      typeof entry === 'object' &&
      entry !== null &&
      REASONS.includes(entry.reason as ErrorReason) &&
      typeof entry.detail === 'string' &&
      typeof entry.at === 'number'
    ) {
      const unit =
        typeof entry.unit === 'string'
          ? entry.unit
          : (() => {
              const text = JSON.stringify(entry.unit ?? null);
              const decoded = decodeUnit(text);
              return decoded.ok ? decoded.unit : text;
            })();
      return { unit, reason: entry.reason as ErrorReason, detail: entry.detail, at: entry.at, raw };
    }
  } catch {
    // not JSON: reported below as what it is
  }
  return { unit: raw, reason: 'MALFORMED_UNIT', detail: 'not an error entry kf wrote', at: 0, raw };
}
