import { clientsServing } from './client-list.js';
import type { Probe } from './probe.js';

/**
 * Ways for a case to make the node serving a key slow or unreachable for a while, from
 * the probe alone: the suite cannot stop or restart a server it did not start. They
 * rest on `CLIENT PAUSE` and `CLIENT UNPAUSE` (Redis 6.2, as kf requires).
 */

/**
 * Holds every write on the node serving `key` for `holdMs` (`CLIENT PAUSE … WRITE`):
 * a write sent meanwhile gets its reply only when the hold ends. Reads, logins and
 * replication go on, so sentinels and replicas see nothing amiss.
 */
export async function holdWrites(probe: Probe, key: string, holdMs: number): Promise<void> {
  await probe.onMasterOf(key, ['CLIENT', 'PAUSE', holdMs, 'WRITE']);
}

/** Ends a hold early (`CLIENT UNPAUSE`), so the case need not sit it out. */
export async function releaseHold(probe: Probe, key: string): Promise<void> {
  await probe.onMasterOf(key, ['CLIENT', 'UNPAUSE']);
}

/**
 * Closes the adapter's connections to the node serving `key` and holds every command
 * there for `holdMs`, in one write: a reconnection the adapter starts meanwhile is
 * accepted but its login waits for the hold to end, so its commands are sent while the
 * connection is being re-established. Every plain client of the node is closed but the
 * probe's own and the sentinels' (`sentinel-…`), which would count the master down.
 * Resolves with how many connections were closed.
 */
export async function dropConnectionsAndHold(
  probe: Probe,
  key: string,
  holdMs: number,
): Promise<number> {
  const own = String(await probe.onMasterOf(key, ['CLIENT', 'ID']));
  const others = (await clientsServing(probe, key, ['TYPE', 'normal'])).filter(
    (client) => client.id !== own && !client.name.startsWith('sentinel-'),
  );
  // Killed first: a pause would hold the probe's own kills too.
  const replies = await probe.onMasterOfTogether(key, [
    ...others.map((client) => ['CLIENT', 'KILL', 'ID', client.id]),
    ['CLIENT', 'PAUSE', holdMs, 'ALL'],
  ]);
  return replies.slice(0, -1).reduce<number>((sum, killed) => sum + Number(killed), 0);
}
