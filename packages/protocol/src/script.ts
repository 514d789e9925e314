import { createHash } from 'node:crypto';

/** A Lua script with the SHA1 that EVALSHA names it by, computed once. */
export interface RedisScript {
  /** A short name for errors and logs, for example `schedule-units`. */
  readonly name: string;
  readonly source: string;
  /** Hex SHA1 of `source`, as Redis computes it for `SCRIPT LOAD`. */
  readonly sha1: string;
}

export function defineScript(name: string, source: string): RedisScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** What a script may return, as Redis converts Lua values: integers, strings, nil, tables. */
export type ScriptReply = null | number | string | ScriptReply[];

export type ScriptArg = string | number;
