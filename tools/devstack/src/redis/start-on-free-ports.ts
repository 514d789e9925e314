import { newRunDir } from '../paths.js';
import { freePorts, withPortRetry } from '../ports.js';
import type { ServiceKind, StartOptions } from '../service.js';
import { ensureRedisTools } from '../system-tools.js';

export interface FreePortsStart {
  /** The service as the retry and failure messages name it: `Redis Cluster`. */
  what: string;
  /** What the run directory is named after. */
  kind: ServiceKind;
  /** How many ports one attempt picks. */
  ports: number;
}

/**
 * Starts a set of Redis processes on `start.ports` freshly picked ports in a new run
 * directory; an attempt that loses a port to another process is retried on new ports
 * (see `withPortRetry`), each with a run directory of its own.
 */
export async function startRedisOnFreePorts<T>(
  start: FreePortsStart,
  options: StartOptions,
  startOn: (ports: number[], runDir: string) => Promise<T>,
): Promise<T> {
  ensureRedisTools(options.log);
  return withPortRetry(
    start.what,
    async ({ runDirs }) => {
      const ports = await freePorts(start.ports);
      const runDir = newRunDir(start.kind);
      runDirs.push(runDir);
      return startOn(ports, runDir);
    },
    options.log,
  );
}
