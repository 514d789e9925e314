import type { IoredisClient } from './client-lifecycle.js';

/**
 * ioredis answers a refused `SELECT` of its `db` option (an index past the server's
 * `databases`, an ACL user without `+select`) by going on in database 0, where every
 * key would land beside, not among, the group's. The refusal reaches the `error` event
 * during the connection's handshake, before any queued command is sent: the connection
 * is closed there, so those commands fail instead. Returns a function removing the
 * listener.
 */
export function closeOnRefusedSelect(
  client: IoredisClient,
  onRefused: (error: Error, db: unknown) => void,
): () => void {
  const onError = (error: unknown): void => {
    const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
    if (command?.name !== 'select') return;
    onRefused(error as Error, command.args?.[0]);
    client.disconnect();
  };
  client.on('error', onError);
  return () => client.off('error', onError);
}
