import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** How a server process was started, read from /proc while it runs, to start it again. */
interface Launch {
  argv: string[];
  cwd: string;
}

/**
 * Kills server processes (Redis, Kafka brokers) with SIGKILL and starts them again later
 * with the same command line and directory — a machine that crashed and came back, its
 * data directory kept. It owns what it started again and stops all of it in `stopAll`,
 * before the devstack removes the directories.
 */
export class Respawner {
  private readonly dead = new Map<string, Launch>();
  private readonly dirs = new Map<string, string>();
  private readonly started: ChildProcess[] = [];

  constructor() {
    // A harness that dies without `stopAll` must not leave servers it started behind.
    process.once('exit', () => {
      for (const child of this.started) child.kill('SIGKILL');
    });
  }

  /**
   * SIGKILLs `pid` (or sends `signal`: SIGTERM for a clean stop, whose end the caller
   * awaits) and remembers, under `name`, how to start it again: its command line,
   * or `command(cwd)` for a server that rewrites its process title (redis-server does;
   * its executable cannot stand in, being the one binary behind redis-check-rdb too).
   */
  kill(
    name: string,
    pid: number,
    command?: (cwd: string) => string[],
    signal: NodeJS.Signals = 'SIGKILL',
  ): void {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const argv = command
      ? command(cwd)
      : readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== '');
    process.kill(pid, signal);
    this.dead.set(name, { argv, cwd });
    this.dirs.set(name, cwd);
  }

  /** The last lines of what `name` printed since it was started again, for an error. */
  logTail(name: string, lines = 15): string {
    const dir = this.dirs.get(name);
    if (dir === undefined) return '';
    try {
      return readFileSync(join(dir, 'respawned.log'), 'utf8')
        .trim()
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch (error) {
      return `(no output: ${error})`;
    }
  }

  isDown(name: string): boolean {
    return this.dead.has(name);
  }

  /** Starts `name` again as it was; its output goes to `respawned.log` in its directory. */
  restart(name: string): number {
    const launch = this.dead.get(name);
    if (launch === undefined) throw new Error(`${name} was not killed by this run`);
    const [command, ...args] = launch.argv as [string, ...string[]];
    const out = openSync(join(launch.cwd, 'respawned.log'), 'a');
    const child = spawn(command, args, { cwd: launch.cwd, stdio: ['ignore', out, out] });
    if (child.pid === undefined)
      throw new Error(`${name} did not start again: ${command} not found`);
    child.on('error', () => {
      // Only a failed spawn emits here, and it already threw above (no pid).
    });
    this.dead.delete(name);
    this.started.push(child);
    return child.pid;
  }

  /** SIGTERM to everything started again, SIGKILL to what is still there `timeoutMs` later. */
  async stopAll(timeoutMs = 15_000): Promise<void> {
    const running = this.started
      .splice(0)
      .filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      running.map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.dead.clear();
  }
}
