import { type RedisScript, ScriptError, type ScriptReply } from '@kf/protocol';
import type { ScriptStatus } from './index.js';

/**
 * Reads a consumer script's `{status, value?}` reply. Anything else means the script
 * and this code disagree: a bug to surface with the script's name, never to guess at.
 */
export function statusReply(
  script: RedisScript,
  reply: ScriptReply,
  allowed: readonly ScriptStatus[],
): { status: ScriptStatus; value: number } {
  const [status, value = 0] = Array.isArray(reply) ? reply.map(Number) : [];
  if (
    status === undefined ||
    !allowed.includes(status as ScriptStatus) ||
    !Number.isFinite(value)
  ) {
    throw new ScriptError(script.name, `unexpected reply ${JSON.stringify(reply)}`);
  }
  return { status: status as ScriptStatus, value };
}
