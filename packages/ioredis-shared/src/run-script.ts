import type { RedisScript, ScriptArg } from '@kf/protocol';
import type { IoredisClient } from './client-lifecycle.js';

/**
 * EVALSHA, and EVAL when the server answers NOSCRIPT: its script cache is empty after
 * a restart, a fail-over or SCRIPT FLUSH. EVAL also caches the script, so the next
 * EVALSHA on that server succeeds.
 */
export async function runScript(
  client: IoredisClient,
  script: RedisScript,
  keys: string[],
  args: ScriptArg[],
): Promise<unknown> {
  const rest = [String(keys.length), ...keys, ...args.map(String)];
  try {
    return await client.call('evalsha', script.sha1, ...rest);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.call('eval', script.source, ...rest);
  }
}

function isNoScript(error: unknown): boolean {
  return (
    error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('NOSCRIPT')
  );
}
