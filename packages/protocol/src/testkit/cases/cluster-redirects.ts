import { ErrorCode, isKfError } from '../../errors/index.js';
import { type ConformanceCase, nameAndCode, rejectionOf } from '../context.js';
import type { Probe } from '../probe.js';
import { caseTimeout, REPLY_MS } from '../timing.js';

/**
 * Drivers follow a redirection in one round trip, and stop after a limit: 16 hops for
 * node-redis, about 60 for kf's ioredis Cluster adapter (sized to ride a fail-over
 * through). 100 hops of a reply each bound any sensible limit.
 */
const REDIRECTIONS_EXHAUSTED_WITHIN_MS = 100 * REPLY_MS;

/** The id of a master of the cluster other than `except`, from CLUSTER NODES. */
async function otherMaster(probe: Probe, except: string): Promise<string> {
  const nodes = String(await probe.command(['CLUSTER', 'NODES']))
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(([id, , flags]) => id && id !== except && /\bmaster\b/.test(flags ?? ''))
    .filter(([, , flags]) => !/\bfail\b/.test(flags ?? ''));
  const id = nodes[0]?.[0];
  if (!id) throw new Error('probe: the cluster has no master besides the one serving the key');
  return id;
}

export const clusterRedirectCases: ConformanceCase[] = [
  {
    // The slot of a missing key is marked MIGRATING on its master towards a master that
    // is not importing it: the owner answers ASK, the target MOVED back, for ever. On a
    // topology declared single or sentinel the case checks the server is no cluster, so
    // a cluster mistaken for one cannot pass it unexercised.
    name: 'redirections that never settle reject with ClusterRedirectError (on a cluster)',
    timeoutMs: caseTimeout(REDIRECTIONS_EXHAUSTED_WITHIN_MS),
    async run({ redis, probe, key, options, expect }) {
      const cluster = await probe.isCluster();
      expect(`${options.topology} on ${cluster ? 'a cluster' : 'no cluster'}`).toBe(
        `${options.topology} on ${options.topology === 'cluster' ? 'a cluster' : 'no cluster'}`,
      );
      if (!cluster) return;
      const k = key('redirected');
      // The adapter knows the cluster's slots before they stop making sense.
      await redis.ping();
      const slot = Number(await probe.command(['CLUSTER', 'KEYSLOT', k]));
      const owner = String(await probe.onMasterOf(k, ['CLUSTER', 'MYID']));
      const target = await otherMaster(probe, owner);
      await probe.onMasterOf(k, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target]);
      try {
        const error = await rejectionOf(redis.get(k));
        expect(nameAndCode(error)).toEqual({
          name: 'ClusterRedirectError',
          code: ErrorCode.ClusterRedirectExhausted,
        });
        expect(isKfError(error, ErrorCode.ClusterRedirectExhausted)).toBe(true);
      } finally {
        // Before the case's keys are deleted: the probe's DEL would bounce for ever too.
        await probe.onMasterOf(k, ['CLUSTER', 'SETSLOT', slot, 'STABLE']);
      }
    },
  },
];
