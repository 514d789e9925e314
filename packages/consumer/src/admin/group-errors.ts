import type { GroupKeys, Ordering } from '@kf/core';
import type { IRedis, ScriptReply } from '@kf/protocol';
import { createErrorList, type ListedError, type RequeueResult } from '../node/error-list.js';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';
import type { ErrorReason } from '../worker/fail-unit.js';
import { GroupAdminError, GroupAdminErrorCode } from './group-admin-error.js';

/** Which error-list entries a call is about; every field given must match. */
export interface ErrorFilter {
  reason?: ErrorReason;
  topic?: string;
  partition?: number;
}

/** What `purge` removed. */
export interface PurgeResult {
  /** Entries removed from the error list. */
  purged: number;
  /**
   * Pending entries removed with them. A unit error-listed as `MALFORMED_UNIT` keeps its
   * id in its partition's pending set (the node that listed it could not read it), which
   * would hold the partition's completed watermark back for good once the entry is gone.
   */
  pendingCleared: number;
  /**
   * Purged `MALFORMED_UNIT` units (as listed) that name no topic, partition and id kf can
   * read: a pending entry such a unit kept, if any, stays. A string that was never a
   * scheduled unit (pushed by hand) has none.
   */
  pendingUnknown: string[];
}

/** An entry with its position in the error list (0 is the oldest), for `show`. */
export interface IndexedError extends ListedError {
  index: number;
}

export interface GroupErrors {
  /** The entries `filter` accepts, oldest first; `offset` and `limit` page through them. */
  list(options?: ErrorFilter & { offset?: number; limit?: number }): Promise<{
    /** How many entries the filter accepts in all. */
    matching: number;
    entries: IndexedError[];
  }>;
  /** The entry at `index` of the error list. */
  show(index: number): Promise<IndexedError>;
  /**
   * Queues the units of the entries `filter` accepts again, attempts reset, flagged
   * `redelivered` (as `node.errors.requeue`, under the group's `ordering`). Returns how
   * many were queued and how many stayed listed, and why.
   */
  requeue(filter?: ErrorFilter): Promise<RequeueResult>;
  /**
   * Removes the entries `filter` accepts for good, each with the pending entry a
   * malformed unit kept (see `PurgeResult`).
   */
  purge(filter?: ErrorFilter): Promise<PurgeResult>;
}

const PAGE = 500;

export function groupErrors(redis: IRedis, keys: GroupKeys, ordering: Ordering): GroupErrors {
  const errorList = createErrorList(redis, keys, ordering);

  /** Every entry the filter accepts, with its index, read a page at a time. */
  const matching = async (filter: ErrorFilter): Promise<IndexedError[]> => {
    const found: IndexedError[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await errorList.list({ offset, limit: PAGE });
      page.forEach((entry, i) => {
        if (accepts(filter, entry)) found.push({ ...entry, index: offset + i });
      });
      if (page.length < PAGE) return found;
    }
  };

  return {
    async list(options = {}) {
      const { offset = 0, limit = 100, ...filter } = options;
      const all = await matching(filter);
      return { matching: all.length, entries: all.slice(offset, offset + limit) };
    },
    async show(index) {
      if (!Number.isInteger(index) || index < 0) {
        throw new GroupAdminError(
          GroupAdminErrorCode.InvalidRequest,
          `expected an error-list index of 0 or more, got ${index}`,
        );
      }
      const [entry] = await errorList.list({ offset: index, limit: 1 });
      if (entry === undefined) {
        const count = await errorList.count();
        throw new GroupAdminError(
          GroupAdminErrorCode.InvalidRequest,
          `no error-list entry at index ${index}: the list holds ${count} (indexes 0 to ${count - 1})`,
        );
      }
      return { ...entry, index };
    },
    requeue: (filter = {}) => errorList.requeue((entry) => accepts(filter, entry)),
    async purge(filter = {}) {
      const result: PurgeResult = { purged: 0, pendingCleared: 0, pendingUnknown: [] };
      for (const entry of await matching(filter)) {
        const pending = keptPending(entry);
        // By its exact string, once: an entry added meanwhile, or requeued by someone
        // else since it was read, is left alone.
        let reply: ScriptReply;
        try {
          reply = await redis.evalScript(
            scripts.purgeError,
            pending === null || pending === undefined
              ? [keys.error]
              : [keys.error, keys.pending(pending.topic, pending.partition)],
            [entry.raw, pending?.id ?? ''],
          );
        } catch (error) {
          // Those already removed are gone for good: the failure says how many.
          throw new GroupAdminError(
            GroupAdminErrorCode.Unreachable,
            `purging stopped after ${result.purged} entries were removed (${result.pendingCleared} pending entries cleared): ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
        const { status, value } = statusReply(scripts.purgeError, reply, [
          ScriptStatus.Done,
          ScriptStatus.Stale,
        ]);
        if (status !== ScriptStatus.Done) continue;
        result.purged += 1;
        result.pendingCleared += value;
        if (pending === null) result.pendingUnknown.push(entry.unit as string);
      }
      return result;
    },
  };
}

/**
 * Where a listed unit's pending entry is: only a `MALFORMED_UNIT` kept one (every other
 * reason's unit left its pending set when it was listed, and its id may be pending again
 * for a part queued anew). `undefined`: none kept; `null`: kept maybe, but the raw unit
 * names no topic, partition and id to find it by.
 */
function keptPending(
  entry: ListedError,
): { topic: string; partition: number; id: string } | null | undefined {
  if (entry.reason !== 'MALFORMED_UNIT' || typeof entry.unit !== 'string') return undefined;
  // An entry kf did not write (pushed by hand) is shown as its own unit: it kept nothing.
  if (entry.unit === entry.raw) return undefined;
  try {
    const unit = JSON.parse(entry.unit) as { topic?: unknown; partition?: unknown; id?: unknown };
    if (
      typeof unit?.topic === 'string' &&
      Number.isSafeInteger(unit.partition) &&
      (unit.partition as number) >= 0 &&
      typeof unit.id === 'string' &&
      unit.id !== ''
    ) {
      return { topic: unit.topic, partition: unit.partition as number, id: unit.id };
    }
  } catch {
    // not JSON: no partition to look in
  }
  return null;
}

function accepts(filter: ErrorFilter, entry: ListedError): boolean {
  if (filter.reason !== undefined && entry.reason !== filter.reason) return false;
  if (filter.topic === undefined && filter.partition === undefined) return true;
  // A unit kf could not read names no partition: only an unfiltered call reaches it.
  if (typeof entry.unit === 'string') return false;
  if (filter.topic !== undefined && entry.unit.topic !== filter.topic) return false;
  return filter.partition === undefined || entry.unit.partition === filter.partition;
}
