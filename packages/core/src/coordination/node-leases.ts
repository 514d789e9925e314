import type { IRedis } from '@kf/protocol';
import { groupKeys } from '../keys.js';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { integer, integerPair, unexpectedReply } from './script-reply.js';
import { ttlOption } from './ttl.js';

export interface LeaseRenewal {
  /** The lease's new expiry, in Redis server time (ms). */
  expiresAt: number;
  /**
   * `false` when the node had no live lease: it is new, or its lease lapsed, in which
   * case its claimed units may have been recovered and handed to other nodes.
   */
  wasLive: boolean;
}

export interface NodeLease {
  nodeId: string;
  /** Expiry in Redis server time (ms). */
  expiresAt: number;
}

export interface LeaseListing {
  /** Redis server time (ms) the listing was judged at. */
  now: number;
  /** Earliest expiry first. */
  nodes: NodeLease[];
}

export interface NodeLeases {
  /** Sets `nodeId`'s lease to expire a TTL from now, by the server's clock. */
  renew(nodeId: string): Promise<LeaseRenewal>;
  /** Nodes whose lease has expired by the server's clock, at most `limit` (default 1000). */
  expired(options?: { limit?: number }): Promise<LeaseListing>;
  /** Nodes whose lease is live, at most `limit` (default 1000). */
  live(options?: { limit?: number }): Promise<LeaseListing>;
  /** Removes `nodeId`'s lease whatever its state, as a node leaving cleanly does. */
  remove(nodeId: string): Promise<boolean>;
  /**
   * Removes `nodeId`'s lease only if it is still expired: a node that renewed after it
   * was listed keeps its lease (and its units).
   */
  removeIfExpired(nodeId: string): Promise<boolean>;
}

export interface NodeLeasesOptions {
  group: string;
  /** How long a lease lasts without renewal, in ms: renew well within it. */
  ttlMs: number;
}

const DEFAULT_LIMIT = 1_000;

/**
 * The group's node leases: a sorted set scored by expiry in Redis server time, so nodes
 * with skewed clocks still agree on who is alive.
 */
export function createNodeLeases(redis: IRedis, options: NodeLeasesOptions): NodeLeases {
  const keys = groupKeys(options.group);
  const ttlMs = ttlOption(options.ttlMs, 'ttlMs');

  async function list(state: 'expired' | 'live', limit = DEFAULT_LIMIT): Promise<LeaseListing> {
    const reply = await redis.evalScript(scripts.listNodes, [keys.nodes], [state, limit]);
    if (!Array.isArray(reply) || reply.length % 2 !== 1) {
      throw unexpectedReply(scripts.listNodes, reply, 'the time, then node and expiry pairs');
    }
    const [now, ...pairs] = reply;
    const nodes: NodeLease[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      nodes.push({ nodeId: String(pairs[i]), expiresAt: Number(pairs[i + 1]) });
    }
    return { now: Number(now), nodes };
  }

  return {
    async renew(nodeId) {
      const reply = await redis.evalScript(
        scripts.renewLease,
        [keys.nodes],
        [nonEmpty(nodeId), ttlMs],
      );
      const [expiresAt, wasLive] = integerPair(scripts.renewLease, reply);
      return { expiresAt, wasLive: wasLive === ScriptStatus.Done };
    },
    expired: (options) => list('expired', options?.limit),
    live: (options) => list('live', options?.limit),
    async remove(nodeId) {
      return (await redis.sortedSetRemove(keys.nodes, [nonEmpty(nodeId)])) === 1;
    },
    async removeIfExpired(nodeId) {
      const reply = await redis.evalScript(
        scripts.removeExpiredNode,
        [keys.nodes],
        [nonEmpty(nodeId)],
      );
      return integer(scripts.removeExpiredNode, reply) === ScriptStatus.Done;
    },
  };
}

function nonEmpty(nodeId: string): string {
  if (nodeId === '') throw new RangeError('nodeId must not be empty');
  return nodeId;
}
