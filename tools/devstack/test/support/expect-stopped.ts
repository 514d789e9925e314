import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { isAlive, type ServiceHandle } from '../../src/index.js';

/** Stops a service and proves it: every process gone, its run directory removed. */
export async function stopAndExpectGone(handle: ServiceHandle<unknown>): Promise<void> {
  const pids = handle.processes.map((p) => p.pid);
  expect(pids.length).toBeGreaterThan(0);
  expect(pids.every((pid) => isAlive(pid))).toBe(true);
  await handle.stop();
  expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
  expect(existsSync(handle.runDir)).toBe(false);
}
