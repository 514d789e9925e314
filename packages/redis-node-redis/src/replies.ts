import type { ScoredMember, ScriptReply } from '@kf/protocol';

/**
 * Reading replies the same way over RESP2 and RESP3 (node-redis 6 speaks RESP3 by
 * default, 5 speaks RESP2, and a caller's client may use either): maps arrive as flat
 * arrays (the adapter asks for that), scores as numbers (RESP3 doubles) or strings
 * (RESP2), sorted-set pairs nested (RESP3) or flat (RESP2).
 */

/** A reply that does not have the shape a command promises: a driver or protocol bug. */
export class UnexpectedReplyError extends Error {
  override readonly name = 'UnexpectedReplyError';
  constructor(command: string, expected: string, reply: unknown) {
    super(`Redis ${command} replied ${describe(reply)}, expected ${expected}`);
  }
}

function describe(reply: unknown): string {
  if (reply === null) return 'null';
  if (Array.isArray(reply)) return `an array of ${reply.length}`;
  return `a ${typeof reply}`;
}

export function asText(command: string, reply: unknown): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new UnexpectedReplyError(command, 'a string', reply);
}

export function asTextOrNull(command: string, reply: unknown): string | null {
  return reply === null || reply === undefined ? null : asText(command, reply);
}

export function asInteger(command: string, reply: unknown): number {
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  throw new UnexpectedReplyError(command, 'an integer', reply);
}

export function asTextList(command: string, reply: unknown): string[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Set) return [...reply].map((item) => asText(command, item));
  if (!Array.isArray(reply)) throw new UnexpectedReplyError(command, 'an array', reply);
  return reply.map((item) => asText(command, item));
}

/** HGETALL's field/value pairs, flat. */
export function asRecord(command: string, reply: unknown): Record<string, string> {
  const flat = asTextList(command, reply);
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[flat[i] as string] = flat[i + 1] as string;
  }
  return record;
}

/** A score: a RESP3 double, or RESP2's text (`inf`, `-inf`, `1.5`). */
export function asScore(command: string, reply: unknown): number {
  if (typeof reply === 'number') return reply;
  const text = asText(command, reply).toLowerCase();
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  const score = Number(text);
  if (Number.isNaN(score)) throw new UnexpectedReplyError(command, 'a score', reply);
  return score;
}

export function asScoreOrNull(command: string, reply: unknown): number | null {
  return reply === null || reply === undefined ? null : asScore(command, reply);
}

/** `… WITHSCORES`: `[[member, score], …]` over RESP3, `[member, score, …]` over RESP2. */
export function asScoredMembers(command: string, reply: unknown): ScoredMember[] {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) throw new UnexpectedReplyError(command, 'an array', reply);
  if (reply.every((item) => Array.isArray(item))) {
    return reply.map(([member, score]: unknown[]) => ({
      member: asText(command, member),
      score: asScore(command, score),
    }));
  }
  const members: ScoredMember[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    members.push({ member: asText(command, reply[i]), score: asScore(command, reply[i + 1]) });
  }
  return members;
}

/**
 * A script's reply as Redis converts Lua values: integers, strings, nil and tables. A
 * script that switched to RESP3 (`redis.setresp(3)`) may also return booleans, doubles
 * and maps; they are folded into the same shapes (true → 1, false → null, as RESP2 does).
 */
export function asScriptReply(command: string, reply: unknown): ScriptReply {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number' || typeof reply === 'string') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (typeof reply === 'boolean') return reply ? 1 : null;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (Array.isArray(reply)) return reply.map((item) => asScriptReply(command, item));
  if (reply instanceof Set) return [...reply].map((item) => asScriptReply(command, item));
  if (reply instanceof Map) {
    return [...reply].flatMap(([key, value]) => [
      asScriptReply(command, key),
      asScriptReply(command, value),
    ]);
  }
  throw new UnexpectedReplyError(command, 'a script reply', reply);
}
