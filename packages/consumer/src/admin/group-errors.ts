import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { createErrorList, type ListedError } from '../node/error-list.js';
import type { ErrorReason } from '../worker/fail-unit.js';
import { GroupAdminError, GroupAdminErrorCode } from './group-admin-error.js';

/** Which error-list entries a call is about; every field given must match. */
export interface ErrorFilter {
  reason?: ErrorReason;
  topic?: string;
  partition?: number;
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
   * `redelivered` (as `node.errors.requeue`). Returns how many were queued.
   */
  requeue(filter?: ErrorFilter): Promise<number>;
  /** Removes the entries `filter` accepts for good. Returns how many were removed. */
  purge(filter?: ErrorFilter): Promise<number>;
}

const PAGE = 500;

export function groupErrors(redis: IRedis, keys: GroupKeys): GroupErrors {
  const errorList = createErrorList(redis, keys);

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
      let removed = 0;
      for (const entry of await matching(filter)) {
        // By its exact string, once: an entry added meanwhile, or requeued by someone
        // else since it was read, is left alone.
        removed += await redis.listRemove(keys.error, entry.raw, { count: 1 });
      }
      return removed;
    },
  };
}

function accepts(filter: ErrorFilter, entry: ListedError): boolean {
  if (filter.reason !== undefined && entry.reason !== filter.reason) return false;
  if (filter.topic === undefined && filter.partition === undefined) return true;
  // A unit kf could not read names no partition: only an unfiltered call reaches it.
  if (typeof entry.unit === 'string') return false;
  if (filter.topic !== undefined && entry.unit.topic !== filter.topic) return false;
  return filter.partition === undefined || entry.unit.partition === filter.partition;
}
