import { constants } from 'node:os';
import { isKfError } from '@kf/protocol';
import { CliError } from './cli-error.js';
import type { Io } from './output.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `work` with a signal that SIGINT or SIGTERM fires, so work that set something
 * temporary (an offsets reset's pause) undoes it before `kf` leaves. A second signal ends
 * the process at once, as it would by default. An interrupted `work` exits 128 plus the
 * signal's number (130 for Ctrl-C), the way shells report it.
 */
export async function interruptible<T>(
  io: Io,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const stopListening = () => {
    for (const name of SIGNALS) process.off(name, onSignal);
  };
  function onSignal(name: NodeJS.Signals) {
    received = name;
    // From here the default applies: a second signal ends the process.
    stopListening();
    io.err(`kf: ${name}: stopping ${what} (${name} again leaves at once)`);
    controller.abort();
  }
  for (const name of SIGNALS) process.on(name, onSignal);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (received !== undefined && isKfError(error, 'KF_ADMIN_INTERRUPTED')) {
      throw new CliError(error.message, {
        exitCode: 128 + constants.signals[received],
        cause: error,
      });
    }
    throw error;
  } finally {
    stopListening();
  }
}
