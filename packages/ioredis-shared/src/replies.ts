import type { ScoredMember, ScriptReply } from '@kf/protocol';

// ioredis replies differ with the protocol a client speaks (RESP2, or RESP3 which
// ioredis 6 uses by default) and its `replyMapping`; an adapter also runs on clients
// the caller configured. These readers accept every shape a reply can take there.

export function asString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

export function asNumber(reply: unknown): number {
  return typeof reply === 'number' ? reply : Number(asString(reply));
}

/** A score: Redis spells the infinities `inf` and `-inf`, which `Number()` does not read. */
export function asScore(reply: unknown): number {
  if (typeof reply === 'number') return reply;
  const text = (asString(reply) ?? '').toLowerCase();
  if (text === 'inf' || text === '+inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function asScoreOrNull(reply: unknown): number | null {
  return reply === null || reply === undefined ? null : asScore(reply);
}

export function asStringList(reply: unknown): string[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((item) => asString(item) ?? '');
}

/** HGETALL: an object (ioredis's transform, or a RESP3 map) or a flat field/value list. */
export function asHash(reply: unknown): Record<string, string> {
  const hash: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      hash[asString(reply[i]) ?? ''] = asString(reply[i + 1]) ?? '';
    }
  } else if (reply instanceof Map) {
    for (const [field, value] of reply) hash[asString(field) ?? ''] = asString(value) ?? '';
  } else if (reply !== null && typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) hash[field] = asString(value) ?? '';
  }
  return hash;
}

/** `… WITHSCORES`: a flat member/score list (RESP2, or RESP3 flattened) or pairs (RESP3). */
export function asScoredMembers(reply: unknown): ScoredMember[] {
  if (!Array.isArray(reply)) return [];
  const flat = reply.flatMap((item) => (Array.isArray(item) ? item : [item]));
  const members: ScoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    members.push({ member: asString(flat[i]) ?? '', score: asScore(flat[i + 1]) });
  }
  return members;
}

/**
 * A Lua reply as RESP2 presents it, whatever the client speaks: under RESP3 a Lua
 * `true` arrives as a boolean and `false` as one too, where RESP2 gives `1` and nil.
 */
export function asScriptReply(reply: unknown): ScriptReply {
  if (reply === null || reply === undefined || reply === false) return null;
  if (reply === true) return 1;
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (Array.isArray(reply)) return reply.map(asScriptReply);
  if (reply instanceof Map)
    return [...reply].flatMap(([k, v]) => [asScriptReply(k), asScriptReply(v)]);
  if (typeof reply === 'object' && !Buffer.isBuffer(reply)) {
    return Object.entries(reply).flatMap(([k, v]) => [k, asScriptReply(v)]);
  }
  return asString(reply);
}
