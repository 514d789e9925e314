import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `body` with the devstack's home (pid registry, run directories) in a directory of
 * its own: the default home is shared by every devstack user on the machine, whose
 * processes come and go while a test counts its own.
 */
export async function withIsolatedHome<T>(body: (home: string) => Promise<T>): Promise<T> {
  const previous = process.env.KF_DEVSTACK_HOME;
  const home = mkdtempSync(join(tmpdir(), 'kf-devstack-home-'));
  process.env.KF_DEVSTACK_HOME = home;
  try {
    return await body(home);
  } finally {
    if (previous === undefined) delete process.env.KF_DEVSTACK_HOME;
    else process.env.KF_DEVSTACK_HOME = previous;
    rmSync(home, { recursive: true, force: true });
  }
}
