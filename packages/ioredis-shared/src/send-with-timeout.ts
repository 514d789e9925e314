import { Command } from 'ioredis';
import type { IoredisClient } from './client-lifecycle.js';

/**
 * Sends a command with a timeout of its own instead of the client's command timeout:
 * WAIT and BLMOVE legitimately take as long as their own timeout argument. ioredis
 * arms a command's timer once, so one armed here is the one that counts; on a cluster
 * it also keeps running across redirections, bounding the whole attempt.
 */
export function sendWithTimeout(
  client: IoredisClient,
  name: string,
  args: string[],
  timeoutMs: number,
): Promise<unknown> {
  const command = new Command(name, args, { replyEncoding: 'utf8' });
  command.setTimeout(timeoutMs);
  client.sendCommand(command);
  return command.promise;
}
