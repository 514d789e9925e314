import { waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { createNodeLeases } from '../src/index.js';
import { useFreshGroup } from './support/fresh-group.js';
import { SETUPS } from './support/servers.js';

describe.each(SETUPS)('node leases on a real Redis ($kind, $client)', ({ kind, client }) => {
  const ctx = useFreshGroup({ kind, client }, (keys) => [keys.nodes]);

  /** Redis server time in ms, read through the probe. */
  async function serverTime(): Promise<number> {
    const [seconds, micros] = (await ctx.probe.call('TIME')) as [string, string];
    return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
  }

  test('renew scores the node by expiry in server time, and says whether its lease was live', async () => {
    const leases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 60_000 });
    const before = await serverTime();
    const first = await leases.renew('node-a');
    const after = await serverTime();
    expect(first.wasLive).toBe(false);
    expect(first.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(first.expiresAt).toBeLessThanOrEqual(after + 60_000);
    expect(Number(await ctx.probe.zscore(ctx.keys.nodes, 'node-a'))).toBe(first.expiresAt);

    const second = await leases.renew('node-a');
    expect(second.wasLive).toBe(true);
    expect(second.expiresAt).toBeGreaterThanOrEqual(first.expiresAt);
  });

  test('a lease not renewed expires by server time; live and expired listings split the nodes', async () => {
    const shortLeases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 200 });
    const longLeases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 60_000 });
    const short = await shortLeases.renew('node-short');
    await longLeases.renew('node-long');

    const early = await longLeases.live();
    expect(early.nodes.map((n) => n.nodeId)).toEqual(['node-short', 'node-long']);

    const expired = await waitUntil(
      async () => {
        const listing = await longLeases.expired();
        return listing.nodes.length > 0 ? listing : undefined;
      },
      { what: 'the short lease to expire', timeoutMs: 5_000, intervalMs: 25 },
    );
    expect(expired.nodes).toEqual([{ nodeId: 'node-short', expiresAt: short.expiresAt }]);
    expect(expired.now).toBeGreaterThanOrEqual(short.expiresAt);
    expect(expired.now).toBeLessThanOrEqual((await serverTime()) + 1);
    expect((await longLeases.live()).nodes.map((n) => n.nodeId)).toEqual(['node-long']);

    const back = await shortLeases.renew('node-short');
    expect(back.wasLive).toBe(false);
  });

  test('removeIfExpired removes only a lapsed lease; remove removes any', async () => {
    const shortLeases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 150 });
    const longLeases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 60_000 });
    await shortLeases.renew('node-dead');
    await longLeases.renew('node-alive');
    await waitUntil(
      async () => ((await longLeases.expired()).nodes.length === 1 ? true : undefined),
      { what: 'node-dead to expire', timeoutMs: 5_000, intervalMs: 25 },
    );

    expect(await longLeases.removeIfExpired('node-alive')).toBe(false);
    expect(await longLeases.removeIfExpired('node-dead')).toBe(true);
    expect(await longLeases.removeIfExpired('node-never-seen')).toBe(false);
    expect(await ctx.probe.zrange(ctx.keys.nodes, '0', '-1')).toEqual(['node-alive']);

    expect(await longLeases.remove('node-alive')).toBe(true);
    expect(await longLeases.remove('node-alive')).toBe(false);
    expect(await ctx.probe.exists(ctx.keys.nodes)).toBe(0);
  });

  test('a node that renews after being listed as expired keeps its lease', async () => {
    const leases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 150 });
    await leases.renew('node-slow');
    await waitUntil(async () => ((await leases.expired()).nodes.length === 1 ? true : undefined), {
      what: 'node-slow to expire',
      timeoutMs: 5_000,
      intervalMs: 25,
    });
    const revived = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 60_000 });
    await revived.renew('node-slow');
    expect(await leases.removeIfExpired('node-slow')).toBe(false);
    expect(await ctx.probe.zscore(ctx.keys.nodes, 'node-slow')).not.toBeNull();
  });

  test('listings honour their limit, earliest expiry first', async () => {
    const leases = createNodeLeases(ctx.redis, { group: ctx.group, ttlMs: 60_000 });
    for (const nodeId of ['n1', 'n2', 'n3']) await leases.renew(nodeId);
    const listing = await leases.live({ limit: 2 });
    expect(listing.nodes.map((n) => n.nodeId)).toEqual(['n1', 'n2']);
    expect(listing.nodes[0]?.expiresAt).toBeLessThanOrEqual(listing.nodes[1]?.expiresAt ?? 0);
  });
});
