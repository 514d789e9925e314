import { createRequire } from 'node:module';
import { expect } from 'vitest';

/**
 * Which ioredis major the tests really run on: `KF_IOREDIS=5` swaps the `ioredis`
 * import for the `ioredis5` alias, and a test proves the swap happened by comparing
 * the `Redis` class it imported with each installed copy's.
 */
export function ioredisMajorOf(imported: unknown, packageJsonPath: string): 5 | 6 {
  const load = createRequire(packageJsonPath);
  if ((load('ioredis5') as { Redis: unknown }).Redis === imported) return 5;
  if ((load('ioredis') as { Redis: unknown }).Redis === imported) return 6;
  throw new Error('the imported ioredis is neither the ioredis nor the ioredis5 installed');
}

/** The major `KF_IOREDIS` asks for; 6 when unset. */
export function requestedIoredisMajor(): 5 | 6 {
  return process.env.KF_IOREDIS === '5' ? 5 : 6;
}

/** Fails unless the `Redis` class a test file imported is the major `KF_IOREDIS` asked for. */
export function expectRequestedIoredis(imported: unknown, testFileUrl: string): void {
  const packageJson = new URL('../package.json', testFileUrl).pathname;
  expect(ioredisMajorOf(imported, packageJson)).toBe(requestedIoredisMajor());
}
