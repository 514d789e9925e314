import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { isAlive } from '../src/index.js';

const run = promisify(execFile);
const cliPath = join(import.meta.dirname, '..', 'src', 'cli.ts');

/**
 * How long one CLI run may take: Node with tsx and, for `up single`, a Redis server
 * (a port lost to another process adds a failed attempt of under a second); runs took
 * 1 to 4 s here as the load of other suites went from 6 to 20, so 30 s is over seven
 * times the slowest seen.
 */
const CLI_TIMEOUT_MS = 30_000;
/** A test's bound: each of its CLI runs at its own bound. */
const runsTimeout = (runs: number) => runs * CLI_TIMEOUT_MS;

interface Cli {
  home: string;
  (...args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
}

const homes: Cli[] = [];

/**
 * A CLI with a state home of its own, as a user would run it: every test makes its own,
 * so none depends on what another brought up or left behind.
 */
function freshCli(): Cli {
  const home = mkdtempSync(join(tmpdir(), 'kf-devstack-cli-'));
  const cli = Object.assign(
    async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(
          process.execPath,
          ['--import', 'tsx', cliPath, ...args],
          { env: { ...process.env, KF_DEVSTACK_HOME: home }, timeout: CLI_TIMEOUT_MS },
        );
        return { stdout, stderr, code: 0 };
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string; code?: number };
        return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code ?? 1 };
      }
    },
    { home },
  );
  homes.push(cli);
  return cli;
}

function statePids(cli: Cli): number[] {
  if (!existsSync(join(cli.home, 'state.json'))) return [];
  const state = JSON.parse(readFileSync(join(cli.home, 'state.json'), 'utf8')) as Record<
    string,
    { processes: { pid: number }[] }
  >;
  return Object.values(state).flatMap((s) => s.processes.map((p) => p.pid));
}

describe('the devstack CLI', () => {
  // Whatever a test brought up is brought down, passed or failed, with its home.
  afterEach(async () => {
    for (const cli of homes.splice(0)) {
      if (statePids(cli).length > 0) await cli('down');
      rmSync(cli.home, { recursive: true, force: true });
    }
  });

  test(
    '`up single` starts a server that outlives the CLI, and a second `up` reuses it',
    async () => {
      const cli = freshCli();
      const first = await cli('up', 'single');
      expect(first.code).toBe(0);
      const url = /redis:\/\/127\.0\.0\.1:\d+/.exec(first.stdout)?.[0];
      expect(url).toBeDefined();
      const pids = statePids(cli);
      expect(pids).toHaveLength(1);
      expect(isAlive(pids[0] as number)).toBe(true);

      const second = await cli('up', 'single');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`single: already up  ${url}`);
      expect(statePids(cli)).toEqual(pids);
    },
    runsTimeout(2),
  );

  test(
    '`status` shows what is up, `smoke` checks it, `down` stops it',
    async () => {
      const cli = freshCli();
      expect((await cli('up', 'single')).code).toBe(0);
      const status = await cli('status');
      expect(status.stdout).toMatch(/single\s*│\s*1\/1/);
      const smoke = await cli('smoke', 'single');
      expect(smoke.stdout).toContain('single: PASS');
      const pids = statePids(cli);
      expect(pids).toHaveLength(1);
      const down = await cli('down');
      expect(down.stdout).toContain('single: down');
      expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
      expect((await cli('status')).stdout).toMatch(/single\s*│\s*-\s*│\s*down/);
    },
    runsTimeout(5),
  );

  test(
    'an unknown service is refused with the list of known ones',
    async () => {
      const result = await freshCli()('up', 'mongodb');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Allowed choices are single, cluster, sentinel, kafka, kafka3, all/,
      );
    },
    runsTimeout(1),
  );
});
