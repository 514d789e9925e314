import type { IoredisClient } from './client-lifecycle.js';

/** A SELECT the server answered with an error, until the connection is ready again. */
export interface SelectRefusal {
  error: Error;
  db: unknown;
}

export interface SelectGuard {
  /**
   * The connection's last SELECT failure when it is one that lasts (an index past the
   * server's `databases`, an ACL without `+select`), until the connection is ready or
   * a command succeeds; a passing one (`BUSY`, out of clients) is not kept.
   */
  refusal(): SelectRefusal | undefined;
  /** A command succeeded: the server selects the database now. */
  healed(): void;
  stop(): void;
}

/** Replies that say the database cannot be selected until someone changes something. */
const LASTING = /^(NOPERM|ERR (DB index is out of range|invalid DB index))/;

/**
 * ioredis answers a failed `SELECT` of its `db` option (an index past the server's
 * `databases`, an ACL user without `+select`, a server `BUSY` with a script, out of
 * clients) by going on in database 0, where every key would land beside, not among,
 * the group's. The failure reaches the `error` event during the connection's
 * handshake, before any queued command is sent: the connection is dropped there and
 * ioredis reconnects (its retry strategy), so queued commands wait for a connection in
 * the right database, or time out, and a passing cause heals by itself.
 */
export function guardSelect(
  client: IoredisClient,
  onRefused: (refusal: SelectRefusal) => void,
): SelectGuard {
  let current: SelectRefusal | undefined;
  const onError = (error: unknown): void => {
    const command = (error as { command?: { name?: string; args?: unknown[] } }).command;
    if (command?.name !== 'select') return;
    const refusal = { error: error as Error, db: command.args?.[0] };
    current = LASTING.test(refusal.error.message) ? refusal : undefined;
    onRefused(refusal);
    client.disconnect(true);
  };
  const onReady = (): void => {
    current = undefined;
  };
  client.on('error', onError);
  client.on('ready', onReady);
  return {
    refusal: () => current,
    healed: () => {
      current = undefined;
    },
    stop: () => {
      client.off('error', onError);
      client.off('ready', onReady);
    },
  };
}
