import { createRequire } from 'node:module';

/**
 * Which node-redis the tests run on: the installed newest (6), or 5 with
 * `KF_NODE_REDIS=5`, installed as the alias `redis5`. Each test file maps `redis` to
 * it with `vi.mock('redis', useNodeRedisUnderTest)`, so the adapter's own clients, and
 * those the tests make, come from that version.
 */
export const nodeRedisPackage = process.env.KF_NODE_REDIS === '5' ? 'redis5' : 'redis';

export const nodeRedisVersion: string = (
  createRequire(import.meta.url)(`${nodeRedisPackage}/package.json`) as { version: string }
).version;

export async function useNodeRedisUnderTest(importOriginal: () => Promise<unknown>) {
  return nodeRedisPackage === 'redis' ? importOriginal() : import('redis5');
}
