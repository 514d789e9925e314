import { rmSync } from 'node:fs';
import type { ManagedProcess, ProcessInfo } from './managed-process.js';
import type { ProcessOwner } from './pid-registry.js';
import { stopAll } from './redis/redis-instance.js';

export type ServiceKind = 'single' | 'cluster' | 'sentinel' | 'kafka' | 'kafka3';

export const SERVICE_KINDS: readonly ServiceKind[] = [
  'single',
  'cluster',
  'sentinel',
  'kafka',
  'kafka3',
];

export interface StartOptions {
  /** `api` (default) for tests and scripts that stop what they start; `cli` detaches. */
  owner?: ProcessOwner;
  /** Progress lines (downloads, installs); silent by default. */
  log?: (line: string) => void;
}

/** What a started service is, in a form that can be written down and read back. */
export interface ServiceDescription<Info = unknown> {
  kind: ServiceKind;
  runDir: string;
  info: Info;
  processes: ProcessInfo[];
}

export interface ServiceHandle<Info> {
  readonly kind: ServiceKind;
  readonly runDir: string;
  /** Connection details: addresses, roles, names. */
  readonly info: Info;
  readonly processes: ManagedProcess[];
  describe(): ServiceDescription<Info>;
  /** Stops every process of the service and removes its run directory. */
  stop(): Promise<void>;
}

export function serviceHandle<Info>(
  kind: ServiceKind,
  runDir: string,
  info: Info,
  processes: ManagedProcess[],
): ServiceHandle<Info> {
  return {
    kind,
    runDir,
    info,
    processes,
    describe: () => ({
      kind,
      runDir,
      info,
      processes: processes.map(({ name, pid, command, logFile }) => ({
        name,
        pid,
        command,
        logFile,
      })),
    }),
    async stop() {
      await stopAll(processes);
      // Logs are worth keeping when someone asked to read them afterwards.
      if (!process.env.KF_DEVSTACK_KEEP) rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the later steps of a multi-process start, stopping what already runs when one
 * fails, so a failed start leaves nothing behind. Its own error comes first.
 */
export async function cleanupOnFailure<T>(
  processes: ManagedProcess[],
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    try {
      await stopAll(processes);
    } catch (cleanupError) {
      throw new AggregateError(
        [error, cleanupError],
        `${(error as Error).message} (and cleanup failed)`,
      );
    }
    throw error;
  }
}

/**
 * Starts several processes at once; if any start fails, stops those that did start
 * and rethrows the first failure.
 */
export async function startAllOrNone<T extends { process: ManagedProcess }>(
  starts: Promise<T>[],
): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    return cleanupOnFailure(
      started.map((s) => s.process),
      () => Promise.reject(failure.reason),
    );
  }
  return started;
}
