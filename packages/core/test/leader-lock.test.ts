import { waitUntil } from '@kf/devstack';
import { describe, expect, test } from 'vitest';
import { createLeaderLock, type Leadership } from '../src/index.js';
import { useFreshGroup } from './support/fresh-group.js';
import { SETUPS } from './support/servers.js';

describe.each(SETUPS)('leader lock on a real Redis ($kind, $client)', ({ kind, client }) => {
  const ctx = useFreshGroup({ kind, client }, (keys) => [keys.leader, keys.epoch]);

  function lock(ttlMs: number) {
    return createLeaderLock(ctx.redis, { group: ctx.group, ttlMs });
  }

  async function acquired(result: Awaited<ReturnType<ReturnType<typeof lock>['acquire']>>) {
    if (!result.acquired)
      throw new Error(`expected the lock, it is held for ${result.retryInMs} ms`);
    return result.leadership;
  }

  test('acquire takes the lock with a token and epoch 1; renew extends it; release frees it', async () => {
    const leaderLock = lock(5_000);
    const leadership = await acquired(await leaderLock.acquire());
    expect(leadership.epoch).toBe(1);
    expect(leadership.token).toMatch(/^[0-9a-f]{32}$/);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(leadership.token);
    expect(await ctx.probe.get(ctx.keys.epoch)).toBe('1');

    await ctx.probe.pexpire(ctx.keys.leader, 1_000);
    expect(await leaderLock.renew(leadership)).toEqual({ renewed: true, epoch: 1 });
    expect(await ctx.probe.pttl(ctx.keys.leader)).toBeGreaterThan(4_000);

    expect(await leaderLock.release(leadership)).toBe(true);
    expect(await ctx.probe.exists(ctx.keys.leader)).toBe(0);
    expect(await leaderLock.release(leadership)).toBe(false);
  });

  test('with a holder, the token names it before a random part unique to each term; only the whole token renews or releases', async () => {
    const leaderLock = createLeaderLock(ctx.redis, {
      group: ctx.group,
      ttlMs: 5_000,
      holder: 'node#a',
    });
    const first = await acquired(await leaderLock.acquire());
    expect(first.token).toMatch(/^node#a#[0-9a-f]{32}$/);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(first.token);
    // Someone who can read who leads (the holder) still cannot act as the leader.
    const guessed: Leadership = { token: `node#a#${'0'.repeat(32)}`, epoch: first.epoch };
    expect(await leaderLock.renew(guessed)).toMatchObject({ renewed: false });
    expect(await leaderLock.release(guessed)).toBe(false);
    expect(await leaderLock.renew(first)).toEqual({ renewed: true, epoch: first.epoch });
    expect(await leaderLock.release(first)).toBe(true);

    const second = await acquired(await leaderLock.acquire());
    expect(second.token).toMatch(/^node#a#[0-9a-f]{32}$/);
    expect(second.token).not.toBe(first.token);
    expect(await leaderLock.release(first)).toBe(false);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(second.token);
  });

  test('a second contender fails while the lock is held, and learns how long to wait', async () => {
    const first = lock(5_000);
    const second = lock(5_000);
    const leadership = await acquired(await first.acquire());
    const contender = await second.acquire();
    expect(contender.acquired).toBe(false);
    if (contender.acquired) return;
    expect(contender.retryInMs).toBeGreaterThan(0);
    expect(contender.retryInMs).toBeLessThanOrEqual(5_000);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(leadership.token);
    expect(await ctx.probe.get(ctx.keys.epoch)).toBe('1');
  });

  test('a contender cannot renew or release a lock it does not hold', async () => {
    const holder = lock(5_000);
    const leadership = await acquired(await holder.acquire());
    const forged: Leadership = { token: 'not-the-token', epoch: leadership.epoch };
    expect(await holder.renew(forged)).toEqual({
      renewed: false,
      reason: 'deposed',
      currentEpoch: 1,
    });
    expect(await holder.release(forged)).toBe(false);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(leadership.token);
  });

  test('a paused holder loses the lock at expiry; the next leader gets a higher epoch and the deposed renew fails', async () => {
    const paused = lock(300);
    const next = lock(5_000);
    const old = await acquired(await paused.acquire());

    // The holder renews nothing from here on, as if its event loop stalled.
    const taken = await waitUntil(
      async () => {
        const attempt = await next.acquire();
        return attempt.acquired ? attempt.leadership : undefined;
      },
      { what: 'the lock to expire and be taken over', timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(taken.epoch).toBe(old.epoch + 1);

    expect(await paused.renew(old)).toEqual({
      renewed: false,
      reason: 'deposed',
      currentEpoch: taken.epoch,
    });
    expect(await paused.release(old)).toBe(false);
    expect(await ctx.probe.get(ctx.keys.leader)).toBe(taken.token);
    expect(await next.renew(taken)).toEqual({ renewed: true, epoch: taken.epoch });
  });

  test('a holder whose lock lapsed with no successor still cannot renew it', async () => {
    const holder = lock(200);
    const old = await acquired(await holder.acquire());
    await waitUntil(
      async () => ((await ctx.probe.exists(ctx.keys.leader)) === 0 ? true : undefined),
      {
        what: 'the lock to expire',
        timeoutMs: 5_000,
        intervalMs: 25,
      },
    );
    expect(await holder.renew(old)).toEqual({
      renewed: false,
      reason: 'deposed',
      currentEpoch: old.epoch,
    });
    expect(await ctx.probe.exists(ctx.keys.leader)).toBe(0);
  });

  test('each new term has its own epoch, also after a release', async () => {
    const leaderLock = lock(5_000);
    const epochs: number[] = [];
    for (let term = 0; term < 3; term++) {
      const leadership = await acquired(await leaderLock.acquire());
      epochs.push(leadership.epoch);
      expect(await leaderLock.release(leadership)).toBe(true);
    }
    expect(epochs).toEqual([1, 2, 3]);
  });
});
