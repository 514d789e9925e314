import { type RedisScript, ScriptError, type ScriptReply } from '@kf/protocol';

/**
 * Reads a `{integer, integer}` reply. Anything else means the script and this code
 * disagree (or an adapter converted the reply wrongly): a bug to surface, not to guess.
 */
export function integerPair(script: RedisScript, reply: ScriptReply): [number, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [first, second] = reply.map(Number) as [number, number];
    if (Number.isFinite(first) && Number.isFinite(second)) return [first, second];
  }
  throw unexpectedReply(script, reply, 'two integers');
}

export function integer(script: RedisScript, reply: ScriptReply): number {
  const value = typeof reply === 'number' || typeof reply === 'string' ? Number(reply) : NaN;
  if (Number.isFinite(value)) return value;
  throw unexpectedReply(script, reply, 'an integer');
}

export function unexpectedReply(script: RedisScript, reply: ScriptReply, expected: string) {
  return new ScriptError(
    script.name,
    `unexpected reply ${JSON.stringify(reply)}, expected ${expected}`,
  );
}
