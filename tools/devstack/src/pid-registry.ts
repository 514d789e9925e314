import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devstackHome } from './paths.js';
import { isAlive } from './process-liveness.js';

/** Who started a process: the programmatic API (tests) must stop its own; the CLI's stay up. */
export type ProcessOwner = 'api' | 'cli';

export interface RegisteredProcess {
  pid: number;
  name: string;
  command: string;
  owner: ProcessOwner;
  startedAt: string;
}

function registryDir(): string {
  const dir = join(devstackHome(), 'pids');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const ENTRY = /^\d+\.json$/;

export function registerProcess(entry: RegisteredProcess): void {
  // Written aside and renamed into place: tests in another process may list the registry
  // at any moment, and must never read an entry half written.
  const dir = registryDir();
  const aside = join(dir, `${entry.pid}.json.tmp`);
  writeFileSync(aside, JSON.stringify(entry));
  renameSync(aside, join(dir, `${entry.pid}.json`));
}

export function unregisterProcess(pid: number): void {
  rmSync(join(registryDir(), `${pid}.json`), { force: true });
}

/** Every registered process still alive; entries of dead ones are removed on the way. */
export function liveRegisteredProcesses(): RegisteredProcess[] {
  const live: RegisteredProcess[] = [];
  for (const file of readdirSync(registryDir()).filter((name) => ENTRY.test(name))) {
    const entry = JSON.parse(readFileSync(join(registryDir(), file), 'utf8')) as RegisteredProcess;
    if (isAlive(entry.pid, entry.command)) live.push(entry);
    else unregisterProcess(entry.pid);
  }
  return live;
}
