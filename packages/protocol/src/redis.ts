import type { RedisScript, ScriptArg, ScriptReply } from './script.js';

/** How the Redis behind an adapter is deployed. */
export type RedisTopology = 'single' | 'sentinel' | 'cluster';

/** Which end of a list. `left` is the head (LPUSH, LPOP), `right` the tail. */
export type ListSide = 'left' | 'right';

export interface SetOptions {
  /** Set only when the key does not exist (NX). */
  onlyIfAbsent?: boolean;
  /** Set only when the key exists (XX). */
  onlyIfPresent?: boolean;
  /** Expire after this many milliseconds (PX); a positive integer. */
  expireMs?: number;
}

export interface ListMoveOptions {
  /** The end of `source` the element is taken from. */
  from: ListSide;
  /** The end of `destination` it is put on. */
  to: ListSide;
}

export interface BlockingListMoveOptions extends ListMoveOptions {
  /** How long to wait for an element; a positive number of milliseconds. */
  timeoutMs: number;
}

export interface ScoredMember {
  member: string;
  score: number;
}

export interface ScoreRangeOptions {
  /** Lowest score, inclusive; `-inf` for no bound. */
  min: number | '-inf';
  /** Highest score, inclusive; `+inf` for no bound. */
  max: number | '+inf';
  /** Return at most this many members (LIMIT 0 count). */
  count?: number;
}

export interface WaitOptions {
  /** How many replicas must acknowledge. */
  replicas: number;
  timeoutMs: number;
  /**
   * On a cluster: a key whose master is asked, the one the writes to wait for went
   * to. Ignored on a single server or Sentinel.
   */
  key?: string;
}

/**
 * The Redis operations kf uses, and nothing more: plain Redis, with none of kf's
 * semantics (those live in Lua scripts passed to {@link IRedis.evalScript}).
 *
 * Contracts every method keeps, on every adapter:
 * - A missing key reads as empty: `null` for a string, hash field or score, `[]` for a
 *   list or set, `{}` for a hash, `0` for a length.
 * - A server error reply rejects with `CommandError` (for example `WRONGTYPE`), a
 *   failing script with `ScriptError`, a command with no reply within the adapter's
 *   command timeout with `CommandTimeoutError`, exhausted cluster redirections with
 *   `ClusterRedirectError`.
 * - After {@link IRedis.close}, every call rejects with `ConnectionClosedError`.
 * - On a cluster, keys given together (script keys, list moves) must share a hash slot:
 *   kf puts one hash tag, `{group}`, in every key of a consumer group.
 * - The driver's reconnection and fail-over handling stays on: a command sent while a
 *   connection is being re-established waits for it (within the command timeout).
 */
export interface IRedis {
  /** How the Redis behind this adapter is deployed. */
  readonly topology: RedisTopology;

  /** Resolves when the server answers PING. */
  ping(): Promise<void>;

  /** The server's clock (TIME) in milliseconds: the one clock every node agrees on. */
  time(): Promise<number>;

  /** GET: the value, or `null` when the key is missing. */
  get(key: string): Promise<string | null>;

  /** SET: `true` when the value was set, `false` when `onlyIfAbsent`/`onlyIfPresent` prevented it. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;

  /** DEL of one key: `true` when it existed. */
  del(key: string): Promise<boolean>;

  /** LPUSH/RPUSH of `values` in order: the list's new length. */
  listPush(key: string, values: string[], options: { side: ListSide }): Promise<number>;

  /** LRANGE, indexes inclusive, negative from the end: `[]` when the key is missing. */
  listRange(key: string, start: number, stop: number): Promise<string[]>;

  /** LLEN: `0` when the key is missing. */
  listLength(key: string): Promise<number>;

  /**
   * LREM: removes occurrences of `value` equal byte for byte; `count` 0 (default)
   * removes all, positive from the head, negative from the tail. Returns how many.
   */
  listRemove(key: string, value: string, options?: { count?: number }): Promise<number>;

  /** LMOVE: the element moved, or `null` when `source` is empty. */
  listMove(source: string, destination: string, options: ListMoveOptions): Promise<string | null>;

  /**
   * BLMOVE on a dedicated connection, so a blocked call never delays other commands of
   * this adapter; concurrent calls each get their own connection. Resolves with the
   * element moved, or `null` when `timeoutMs` passed with `source` empty. Rejects with
   * `ConnectionClosedError` when {@link IRedis.close} is called while it waits, and
   * close() closes its connection too: a BLMOVE left on the server would move the next
   * element into `destination` for a client that is gone.
   */
  listBlockingMove(
    source: string,
    destination: string,
    options: BlockingListMoveOptions,
  ): Promise<string | null>;

  /** HGET: `null` when the key or the field is missing. */
  hashGet(key: string, field: string): Promise<string | null>;

  /** HSET of every field given: how many fields were new. */
  hashSet(key: string, fields: Record<string, string>): Promise<number>;

  /** HGETALL: `{}` when the key is missing. */
  hashGetAll(key: string): Promise<Record<string, string>>;

  /** HDEL: how many fields existed and were removed. */
  hashDelete(key: string, fields: string[]): Promise<number>;

  /** ZADD: how many members were new (scores of existing ones are updated). */
  sortedSetAdd(key: string, members: ScoredMember[]): Promise<number>;

  /** ZRANGEBYSCORE … WITHSCORES, lowest score first: `[]` when the key is missing. */
  sortedSetRangeByScore(key: string, options: ScoreRangeOptions): Promise<ScoredMember[]>;

  /** ZREM: how many members existed and were removed. */
  sortedSetRemove(key: string, members: string[]): Promise<number>;

  /** ZSCORE: `null` when the key or the member is missing. */
  sortedSetScore(key: string, member: string): Promise<number | null>;

  /** SADD: how many members were new. */
  setAdd(key: string, members: string[]): Promise<number>;

  /** SREM: how many members existed and were removed. */
  setRemove(key: string, members: string[]): Promise<number>;

  /** SMEMBERS, in no particular order: `[]` when the key is missing. */
  setMembers(key: string): Promise<string[]>;

  /**
   * Runs a Lua script by EVALSHA, falling back to EVAL when the server answers
   * NOSCRIPT (its script cache is empty after a restart, a fail-over or SCRIPT FLUSH).
   * Every key the script touches must be in `keys`. Rejects with `ScriptError` when the
   * script fails or returns an error reply.
   */
  evalScript(script: RedisScript, keys: string[], args: ScriptArg[]): Promise<ScriptReply>;

  /**
   * WAIT: blocks until the writes sent so far are acknowledged by `replicas` replicas
   * or `timeoutMs` passed, and returns how many acknowledged. `0` on a server with no
   * replicas.
   */
  wait(options: WaitOptions): Promise<number>;

  /**
   * Closes every connection this adapter opened, blocked ones included, and resolves
   * when they are closed. Calling it again does nothing. A client the caller passed in
   * is left open: its owner closes it (the adapter's own duplicates of it are closed).
   */
  close(): Promise<void>;
}
