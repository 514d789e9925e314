import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { isAlive } from '../src/index.js';

const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'kf-devstack-cli-'));
const cliPath = join(import.meta.dirname, '..', 'src', 'cli.ts');

/** Runs the CLI as a user would, with its state kept in a home of this test's own. */
async function cli(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', cliPath, ...args], {
      env: { ...process.env, KF_DEVSTACK_HOME: home },
      timeout: 120_000,
    });
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; code?: number };
    return { stdout: failed.stdout ?? '', code: failed.code ?? 1 };
  }
}

function statePids(): number[] {
  const state = JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as Record<
    string,
    { processes: { pid: number }[] }
  >;
  return Object.values(state).flatMap((s) => s.processes.map((p) => p.pid));
}

describe('the devstack CLI', () => {
  afterAll(async () => {
    await cli('down');
    rmSync(home, { recursive: true, force: true });
  });

  test('`up single` starts a server that outlives the CLI, and a second `up` reuses it', async () => {
    const first = await cli('up', 'single');
    expect(first.code).toBe(0);
    const url = /redis:\/\/127\.0\.0\.1:\d+/.exec(first.stdout)?.[0];
    expect(url).toBeDefined();
    const pids = statePids();
    expect(pids).toHaveLength(1);
    expect(isAlive(pids[0] as number)).toBe(true);

    const second = await cli('up', 'single');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`single: already up  ${url}`);
    expect(statePids()).toEqual(pids);
  });

  test('`status` shows what is up, `smoke` checks it, `down` stops it', async () => {
    const status = await cli('status');
    expect(status.stdout).toMatch(/single\s*│\s*1\/1/);
    const smoke = await cli('smoke', 'single');
    expect(smoke.stdout).toContain('single: PASS');
    const pids = statePids();
    const down = await cli('down');
    expect(down.stdout).toContain('single: down');
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    expect((await cli('status')).stdout).toMatch(/single\s*│\s*-\s*│\s*down/);
  });

  test('an unknown service is refused with the list of known ones', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', cliPath, 'up', 'mongodb'], {
      env: { ...process.env, KF_DEVSTACK_HOME: home },
    }).catch((error: { stderr: string; code: number }) => error);
    expect('code' in result ? result.code : 0).toBe(1);
    expect('stderr' in result ? result.stderr : '').toMatch(
      /Allowed choices are single, cluster, sentinel, kafka, kafka3, all/,
    );
  });
});
