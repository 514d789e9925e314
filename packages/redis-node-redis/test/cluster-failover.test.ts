import { randomUUID } from 'node:crypto';
import {
  processServing,
  type RedisCluster,
  readTopology,
  startRedisCluster,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { ErrorCode, type IRedis, isKfError } from '@kf/protocol';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createNodeRedis } from '../src/index.js';
import { nodeRedisVersion } from './support/node-redis-version.js';
import { startWriteLoop } from './support/write-loop.js';

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
  let cluster: RedisCluster;
  let redis: IRedis;
  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
    redis = createNodeRedis({
      topology: 'cluster',
      nodes: cluster.info.nodes,
      commandTimeoutMs: 4_000,
    });
  });
  afterAll(async () => {
    await redis?.close();
    await cluster?.stop();
  });

  test('is replaced by its replica and the adapter serves writes and blocking moves again on its own', async ({
    annotate,
  }) => {
    const tag = `{failover-${randomUUID()}}`;
    const writes = `kf:${tag}:writes`;
    const source = `kf:${tag}:work`;
    const destination = `kf:${tag}:working`;
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
    const blocked = redis
      .listBlockingMove(source, destination, { from: 'right', to: 'left', timeoutMs: 60_000 })
      .then(
        (value) => ({ value, endedAt: performance.now() }),
        (error: unknown) => ({ error, endedAt: performance.now() }),
      );
    const loop = startWriteLoop(redis, writes, { intervalMs: 100, maxWrites: 400 });
    await waitUntil(async () => (loop.outcomes.some((o) => !o.error) ? true : undefined), {
      what: 'writes before the kill',
      timeoutMs: 5_000,
    });

    const killedAt = performance.now();
    victim.signal('SIGKILL');
    const recovered = await waitUntil(async () => loop.firstSuccessAfter(killedAt), {
      what: 'a write served by the new master',
      timeoutMs: RECOVERY_BOUND_MS + 10_000,
      intervalMs: 50,
    });
    // A few more writes after recovery, then stop: they must all succeed.
    await waitUntil(
      async () =>
        loop.outcomes.filter((o) => !o.error && o.startedAt > recovered.endedAt).length >= 10
          ? true
          : undefined,
      { what: 'writes after recovery', timeoutMs: 10_000 },
    );
    const outcomes = await loop.stop();
    const writeRecoveryMs = recovered.endedAt - killedAt;

    // The move that was blocked when the master died ended with a typed error (or, had
    // the driver carried it over, a normal reply); a new one works on the new master.
    const first = await blocked;
    if ('error' in first) {
      expect(isKfError(first.error)).toBe(true);
      expect(FAIL_OVER_CODES).toContain((first.error as { code: string }).code);
    } else {
      expect(first.value).toBeNull();
    }
    await redis.listPush(source, ['unit-1'], { side: 'left' });
    const blockingStarted = performance.now();
    expect(
      await redis.listBlockingMove(source, destination, {
        from: 'right',
        to: 'left',
        timeoutMs: 5_000,
      }),
    ).toBe('unit-1');
    const blockingRecoveryMs = blockingStarted - killedAt;

    const failures = outcomes.filter((o) => o.error !== undefined);
    for (const failure of failures) {
      expect(isKfError(failure.error)).toBe(true);
      expect(FAIL_OVER_CODES).toContain((failure.error as { code: string }).code);
    }
    const lateFailures = failures.filter((o) => o.startedAt > recovered.endedAt);
    expect(lateFailures).toEqual([]);
    expect(writeRecoveryMs).toBeLessThan(RECOVERY_BOUND_MS);

    // The replica is the slot's master now, and holds every write acknowledged after
    // the fail-over (earlier ones may be lost to asynchronous replication).
    const topology = await readTopology(ownerReplica ?? seed);
    const newOwner = topology.find(
      (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    expect(newOwner?.port).toBe(ownerReplica?.port);
    const stored = new Set(
      await withRedis(newOwner as { host: string; port: number }, (c) => c.lrange(writes, 0, -1)),
    );
    const acknowledgedAfter = outcomes.filter(
      (o) => !o.error && o.startedAt >= recovered.startedAt,
    );
    expect(acknowledgedAfter.length).toBeGreaterThanOrEqual(10);
    expect(acknowledgedAfter.filter((o) => !stored.has(o.value))).toEqual([]);

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
