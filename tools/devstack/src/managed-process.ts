import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { type ProcessOwner, registerProcess, unregisterProcess } from './pid-registry.js';
import { isAlive } from './process-liveness.js';

/** What is needed to find and stop a process again, also from another process (the CLI). */
export interface ProcessInfo {
  name: string;
  pid: number;
  command: string;
  logFile: string;
}

export interface ManagedProcess extends ProcessInfo {
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Sends a signal as is, for fault tests (SIGKILL, SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  logTail(lines?: number): string;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  logFile: string;
  owner: ProcessOwner;
  env?: NodeJS.ProcessEnv;
}

export function readLogTail(logFile: string, lines = 40): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/**
 * Starts a server process with its output in `logFile`. Processes the CLI starts are
 * detached so they outlive it; every pid goes to the registry so a test run can prove
 * it left nothing behind.
 */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: options.owner === 'cli',
  });
  closeSync(fd);
  if (child.pid === undefined) {
    throw new Error(`${options.name}: could not spawn ${options.command}`);
  }
  if (options.owner === 'cli') child.unref();
  const info: ProcessInfo = {
    name: options.name,
    pid: child.pid,
    command: options.command,
    logFile: options.logFile,
  };
  registerProcess({ ...info, owner: options.owner, startedAt: new Date().toISOString() });
  // A spawn failure (ENOENT) arrives as an event; the process then simply is not alive.
  child.on('error', () => undefined);
  // Our own child tells us when it exits. Reading /proc instead misjudges the moment
  // between fork and exec, when the child's command line is still node's: a loaded
  // machine made a server that was starting look as if it had exited.
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return adoptProcess(info, () => !exited && isAlive(info.pid));
}

/**
 * A handle on a process known by its pid, for example one a previous CLI run started;
 * `alive` replaces the /proc check for a child of this process.
 */
export function adoptProcess(
  info: ProcessInfo,
  alive: () => boolean = () => isAlive(info.pid, info.command),
): ManagedProcess {
  return {
    ...info,
    get running() {
      return alive();
    },
    stop: (stopOptions) => stopPid(info, stopOptions?.timeoutMs ?? 10_000),
    signal(signal) {
      if (alive()) sendSignal(info.pid, signal);
    },
    logTail: (lines) => readLogTail(info.logFile, lines),
  };
}

async function waitGone(
  info: ProcessInfo,
  timeoutMs: number,
  resend?: NodeJS.Signals,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let nextResend = Date.now() + 1_000;
  while (isAlive(info.pid, info.command)) {
    if (Date.now() >= deadline) return false;
    // Redis refuses a shutdown while it writes its first AOF after a sync, and does not
    // retry it by itself; asking again once that is done is what lets it exit.
    if (resend && Date.now() >= nextResend) {
      sendSignal(info.pid, resend);
      nextResend = Date.now() + 1_000;
    }
    await delay(25);
  }
  return true;
}

async function stopPid(info: ProcessInfo, timeoutMs: number): Promise<void> {
  if (isAlive(info.pid, info.command)) {
    sendSignal(info.pid, 'SIGTERM');
    // A process paused by a fault test acts on SIGTERM only once continued.
    sendSignal(info.pid, 'SIGCONT');
    if (!(await waitGone(info, timeoutMs, 'SIGTERM'))) {
      sendSignal(info.pid, 'SIGKILL');
      if (!(await waitGone(info, 5_000))) {
        throw new Error(`${info.name} (pid ${info.pid}) survived SIGKILL`);
      }
    }
  }
  unregisterProcess(info.pid);
}

/** Signals a process that may exit at any moment: it being gone already is not an error. */
function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
