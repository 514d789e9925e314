import { startRedisSingle, waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { NodeClosedError, type NodeHealth } from '../src/index.js';
import { useGroupNodes } from './support/group-nodes.js';
import { until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

// A short lease, so the probe timeout (a third of it) and a lapse during the outage cost
// little.
const LEASE_TTL_MS = 1_500;
const PROBE_TIMEOUT_MS = LEASE_TTL_MS / 3;
// The organiser's tick (conf.workCalculateFreq); a lone node takes the lock on its first.
const TICK_MS = 50;
// kf's ioredis adapters try a lost connection again at most this late (reconnectDelay).
const RECONNECT_DELAY_MAX_MS = 1_000;
// A follower reads the paused key at most this often (the organiser's look), a leader
// every tick.
const PAUSE_LOOK_MS = 1_000;
// Headroom for a two-core machine shared with other test runs.
const MARGIN_MS = 2_000;

/** `health()` polled until `holds` accepts it; the last answer is returned. */
async function healthUntil(
  health: () => Promise<NodeHealth>,
  holds: (h: NodeHealth) => boolean,
  what: string,
  timeoutMs: number,
): Promise<NodeHealth> {
  let last: NodeHealth | undefined;
  await until(
    waitUntil,
    async () => {
      last = await health();
      return holds(last);
    },
    what,
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last health: ${JSON.stringify(last)}`);
  });
  return last as NodeHealth;
}

/**
 * `node.health()` as a readiness and liveness probe, on a Redis of the file's own that
 * is stopped and started again on the same port; and the group pause, which `status()`
 * and `health()` show.
 */
describe('node health and the group pause', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-health-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'health',
    conf: { leaseTtlMs: LEASE_TTL_MS, workCalculateFreq: TICK_MS },
  });

  test('readiness turns false while Redis is stopped, naming Redis, and true once it is back; liveness holds throughout', async () => {
    const t = await topic('health', 1);
    const n = await node(config(), [t]);
    n.on('error', () => undefined); // Redis away is reported; the node keeps running.
    await n.run({ eachMessage: async () => undefined });

    // A lone node leads within a tick of its start.
    const up = await healthUntil(
      () => n.health(),
      (h) => h.ready && h.checks.leader,
      'the node ready and leading',
      TICK_MS + MARGIN_MS,
    );
    expect(up).toMatchObject({
      live: true,
      ready: true,
      reasons: [],
      checks: {
        state: 'running',
        claimLoop: { state: 'running' },
        redis: { ok: true },
        kafka: { ok: true },
        leader: true,
        paused: false,
        lease: { live: true, ttlMs: LEASE_TTL_MS, renewing: true },
      },
    });

    await stack.redis.stopServer();
    // A probe answers within its timeout (commands to a stopped server wait for the
    // reconnection): the next health() after the stop says Redis is away.
    const down = await healthUntil(
      () => n.health(),
      (h) => !h.ready,
      'readiness false with Redis stopped',
      PROBE_TIMEOUT_MS + MARGIN_MS,
    );
    process.stdout.write(`[health] Redis stopped: ${JSON.stringify(down, null, 2)}\n`);
    expect(down.live, down.reasons.join('; ')).toBe(true);
    expect(
      down.reasons.some((r) => r.startsWith('redis: ')),
      down.reasons.join('; '),
    ).toBe(true);
    expect(down.checks.redis.ok).toBe(false);
    expect(down.checks.kafka.ok).toBe(true);
    // The probe itself is bounded: a Redis that does not answer cannot hang it.
    const started = performance.now();
    const during = await n.health();
    expect(performance.now() - started).toBeLessThan(PROBE_TIMEOUT_MS + MARGIN_MS);
    expect(during.checks.redis.error).toBe(`no answer within ${PROBE_TIMEOUT_MS} ms`);
    // Past a lease TTL without Redis the lease is no longer current either; the process's
    // own loops still run, so liveness holds.
    const lapsed = await healthUntil(
      () => n.health(),
      (h) => !h.checks.lease.live,
      'the lease not current after a TTL without Redis',
      LEASE_TTL_MS + MARGIN_MS,
    );
    expect(lapsed.live, lapsed.reasons.join('; ')).toBe(true);
    expect(lapsed.reasons.some((r) => r.startsWith('lease: last renewed'))).toBe(true);

    await stack.redis.startServer();
    // Back once the adapter reconnected (at most RECONNECT_DELAY_MAX_MS) and the lease
    // timer renewed (every third of the TTL); a probe in flight meanwhile takes its
    // timeout.
    const back = await healthUntil(
      () => n.health(),
      (h) => h.ready,
      'readiness true once Redis is back',
      RECONNECT_DELAY_MAX_MS + LEASE_TTL_MS / 3 + PROBE_TIMEOUT_MS + MARGIN_MS,
    );
    expect(back).toMatchObject({ live: true, ready: true, reasons: [] });
  });

  test('pause() and resume() act for the whole group from any node; status() and health() show it; both refuse a closed node', async () => {
    const t = await topic('health-pause', 1);
    const conf = config();
    const leader = await node(conf, [t], { nodeId: 'health-pause-a' });
    await until(waitUntil, () => leader.status().leader, 'a leader', TICK_MS + MARGIN_MS);
    const follower = await node(conf, [t], { nodeId: 'health-pause-b' });
    expect(follower.status().paused).toBe(false);

    // Paused from the follower: the leader sees it on its next tick, the follower on its
    // next look.
    const first = await follower.pause();
    expect(first).toMatchObject({ paused: true, note: { by: 'node health-pause-b' } });
    const again = await leader.pause();
    expect(again).toMatchObject({ paused: false, note: { by: 'node health-pause-b' } });
    await until(
      waitUntil,
      () => leader.status().paused && follower.status().paused,
      'both nodes see the pause',
      PAUSE_LOOK_MS + TICK_MS + MARGIN_MS,
    );
    const paused = await follower.health();
    expect(paused.checks.paused).toBe(true);
    // A pause is an operator's choice, not a fault.
    expect(paused.ready, paused.reasons.join('; ')).toBe(true);

    expect(await leader.resume()).toMatchObject({ resumed: true });
    expect(await leader.resume()).toMatchObject({ resumed: false });
    await until(
      waitUntil,
      () => !leader.status().paused && !follower.status().paused,
      'both nodes see the resume',
      PAUSE_LOOK_MS + TICK_MS + MARGIN_MS,
    );
    expect((await leader.health()).checks.paused).toBe(false);

    await follower.close();
    await expect(follower.pause()).rejects.toBeInstanceOf(NodeClosedError);
    await expect(follower.resume()).rejects.toBeInstanceOf(NodeClosedError);
    const closed = await follower.health();
    expect(closed).toMatchObject({ live: false, ready: false, checks: { state: 'closed' } });
    expect(closed.reasons).toContain('node: closed');
    expect(follower.status()).toMatchObject({ state: 'closed' });
  });
});
