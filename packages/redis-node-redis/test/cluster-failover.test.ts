import { processServing, readTopology, startRedisCluster, withRedis } from '@kf/devstack';
import { ErrorCode } from '@kf/protocol';
import { describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { useAdapterOnService } from './support/adapter-on-service.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { writesAcrossFailOver } from './support/writes-across-fail-over.js';

vi.mock('redis', async (original) =>
  (await import('./support/node-redis-version.js')).useNodeRedisUnderTest(original),
);

// Errors a caller may see while a master is down and its replica takes over.
const FAIL_OVER_CODES: string[] = [
  ErrorCode.ConnectionClosed,
  ErrorCode.CommandTimeout,
  ErrorCode.ClusterRedirectExhausted,
];
const RECOVERY_BOUND_MS = 20_000;

describe(`node-redis ${nodeRedisVersion} Cluster: a master killed with SIGKILL`, () => {
  const started = useAdapterOnService(
    () => startRedisCluster({ nodeTimeoutMs: 1_000 }),
    (cluster) =>
      createNodeRedis({ topology: 'cluster', nodes: cluster.info.nodes, commandTimeoutMs: 4_000 }),
  );

  test('is replaced by its replica and the adapter serves writes and blocking moves again on its own', async ({
    annotate,
  }) => {
    const { service: cluster, redis } = started;
    const scenario = writesAcrossFailOver(redis, FAIL_OVER_CODES);
    const { writes, source } = scenario;
    const seed = cluster.info.nodes[0] as { host: string; port: number };
    const slot = await withRedis(seed, async (c) =>
      Number(await c.call('CLUSTER', 'KEYSLOT', writes)),
    );
    const owner = cluster.info.nodes.find(
      (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!owner) throw new Error(`no master owns slot ${slot}`);
    const ownerReplica = cluster.info.nodes.find((n) => n.masterId === owner.id);
    const victim = await processServing(owner, cluster.processes);

    await redis.listPush(writes, ['0'], { side: 'right' });
    const blocked = scenario.blockingMoveAcrossKill(60_000);
    const failOver = await scenario.killMaster(victim, RECOVERY_BOUND_MS);
    const { killedAt, writeRecoveryMs } = failOver;

    // The move that was blocked when the master died ended with a typed error (or, had
    // the driver carried it over, a normal reply); a new one works on the new master.
    const first = await blocked;
    if ('error' in first) {
      scenario.expectFailOverError(first.error);
    } else {
      expect(first.value).toBeNull();
    }
    await redis.listPush(source, ['unit-1'], { side: 'left' });
    const blockingStarted = performance.now();
    expect(await scenario.blockingMove(5_000)).toBe('unit-1');
    const blockingRecoveryMs = blockingStarted - killedAt;

    const failures = failOver.expectFailuresOnlyDuringFailOver();
    expect(writeRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

    // The replica is the slot's master now, and holds every write acknowledged after
    // the fail-over (earlier ones may be lost to asynchronous replication).
    const topology = await readTopology(ownerReplica ?? seed);
    const newOwner = topology.find(
      (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    expect(newOwner?.port).toBe(ownerReplica?.port);
    await failOver.expectWritesKeptAfterRecovery(newOwner as { host: string; port: number });

    await annotate(
      `writes recovered ${Math.round(writeRecoveryMs)} ms after SIGKILL; ` +
        `${failures.length} writes failed meanwhile (${[
          ...new Set(failures.map((f) => (f.error as { code: string }).code)),
        ].join(', ')}); blocked move ended with ${
          'error' in first ? (first.error as { code: string }).code : 'a reply'
        }; a new blocking move was served ${Math.round(blockingRecoveryMs)} ms after SIGKILL`,
    );
  }, 90_000);
});
