import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError, type ScriptReply } from '@kf/protocol';
import { scripts } from '../scripts/index.js';
import { decodePauseNote, type PauseNote } from './pause-note.js';

/** One node of the group, as its lease shows it. */
export interface NodeState {
  nodeId: string;
  /** When its lease expires, Redis server time (ms). */
  leaseExpiresAt: number;
  /** Negative once expired: the leader recovers its units soon. */
  leaseRemainingMs: number;
  live: boolean;
  /** Units it has claimed and not yet settled (its working list). */
  inFlight: number;
}

/** The group's coordination state at one moment. */
export interface GroupStatus {
  group: string;
  /** Redis server time (ms) the status was read at: leases and the lock are judged by it. */
  serverTime: number;
  leader: {
    /** Whether some node holds the leader lock now. */
    held: boolean;
    /**
     * The node that holds it; `null` when nobody does, or when its lock does not name it
     * (a lock taken by a kf older than this one).
     */
    nodeId: string | null;
    /** What is left of the lock, in ms; `null` when nobody holds it. */
    ttlMs: number | null;
    /** The fencing epoch: it grows with every new leadership; `null` before the first. */
    epoch: number | null;
  };
  /** Who paused the group and when; `null` while it is not paused. */
  paused: PauseNote | null;
  /** Every node with a lease, live or expired, earliest expiry first. */
  nodes: NodeState[];
  /** Units waiting for a worker (the work list). */
  work: number;
  /** Units claimed by nodes (all working lists). */
  working: number;
  /** Entries of the error list. */
  errors: number;
  /** The group's topics, sorted. */
  topics: string[];
}

/** Reads the group's state: one script for the lock, leases, pause and lists, then the rest. */
export async function readGroupStatus(redis: IRedis, keys: GroupKeys): Promise<GroupStatus> {
  const reply = await redis.evalScript(
    scripts.groupState,
    [keys.leader, keys.epoch, keys.paused, keys.nodes, keys.work, keys.error],
    [],
  );
  const state = parseState(reply);
  const [topics, inFlight] = await Promise.all([
    redis.setMembers(keys.topics),
    Promise.all(state.leases.map(({ nodeId }) => redis.listLength(keys.working(nodeId)))),
  ]);
  const nodes = state.leases.map(({ nodeId, expiresAt }, i) => ({
    nodeId,
    leaseExpiresAt: expiresAt,
    leaseRemainingMs: expiresAt - state.now,
    live: expiresAt > state.now,
    inFlight: inFlight[i] ?? 0,
  }));
  return {
    group: keys.group,
    serverTime: state.now,
    leader: {
      held: state.pttl !== -2,
      nodeId: state.pttl === -2 || state.holder === '' ? null : state.holder,
      ttlMs: state.pttl === -2 ? null : state.pttl,
      epoch: state.epoch,
    },
    paused: state.paused,
    nodes,
    work: state.work,
    working: nodes.reduce((sum, n) => sum + n.inFlight, 0),
    errors: state.errors,
    topics: topics.sort(),
  };
}

function parseState(reply: ScriptReply) {
  if (!Array.isArray(reply) || reply.length < 7 || reply.length % 2 !== 1) {
    throw new ScriptError(scripts.groupState.name, `unexpected reply ${JSON.stringify(reply)}`);
  }
  const [now, pttl, holder, epoch, paused, work, errors, ...pairs] = reply;
  const leases: Array<{ nodeId: string; expiresAt: number }> = [];
  for (let i = 0; i < pairs.length; i += 2) {
    leases.push({ nodeId: String(pairs[i]), expiresAt: Number(pairs[i + 1]) });
  }
  return {
    now: Number(now),
    pttl: Number(pttl),
    holder: String(holder),
    epoch: epoch === '' ? null : Number(epoch),
    paused: paused === '' ? null : decodePauseNote(String(paused)),
    work: Number(work),
    errors: Number(errors),
    leases,
  };
}
