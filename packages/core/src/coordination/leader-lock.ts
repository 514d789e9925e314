import { randomBytes } from 'node:crypto';
import type { IRedis } from '@kf/protocol';
import { groupKeys } from '../keys.js';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { integer, integerPair } from './script-reply.js';
import { ttlOption } from './ttl.js';

/** One term of leadership: what renewing and releasing it take. */
export interface Leadership {
  /**
   * Unique to the term: only its holder can renew or release the lock. `<holder>#<32
   * random hex digits>` when the lock was created with a `holder`, the random part alone
   * otherwise; only the whole token is ever compared.
   */
  readonly token: string;
  /**
   * The fencing epoch: it grows with every new term, so a write checked against it in a
   * script is refused once a newer leader exists.
   */
  readonly epoch: number;
}

export type AcquireResult =
  | { acquired: true; leadership: Leadership }
  /** Someone else leads; `retryInMs` is what is left of their lock (the TTL if it has none). */
  | { acquired: false; retryInMs: number };

export type RenewResult =
  | { renewed: true; epoch: number }
  /**
   * The lock expired or a newer term began: stop acting as leader. `currentEpoch` is
   * the group's epoch now (equal to the term's when the lock lapsed and nobody took it).
   */
  | { renewed: false; reason: 'deposed'; currentEpoch: number };

export interface LeaderLock {
  /** Takes the lock if it is free (SET NX PX), opening a new term with the next epoch. */
  acquire(): Promise<AcquireResult>;
  /** Extends the lock by the TTL, only while `leadership` is still the current term. */
  renew(leadership: Leadership): Promise<RenewResult>;
  /** Gives the lock up if it is still this term's: `true` when it was released. */
  release(leadership: Leadership): Promise<boolean>;
}

export interface LeaderLockOptions {
  group: string;
  /** How long the lock lasts without renewal, in ms: renew well within it. */
  ttlMs: number;
  /**
   * Who takes the lock (a node id): written in the token before its random part, so a
   * reader of the leader key can name the leader without learning the token itself.
   */
  holder?: string;
}

/** The group's leader lock, with a fencing epoch: the organiser runs only while holding it. */
export function createLeaderLock(redis: IRedis, options: LeaderLockOptions): LeaderLock {
  const keys = groupKeys(options.group);
  const ttlMs = ttlOption(options.ttlMs, 'ttlMs');
  const lockKeys = [keys.leader, keys.epoch];
  return {
    async acquire() {
      const random = randomBytes(16).toString('hex');
      const token = options.holder === undefined ? random : `${options.holder}#${random}`;
      const reply = await redis.evalScript(scripts.acquireLeader, lockKeys, [token, ttlMs]);
      const [taken, value] = integerPair(scripts.acquireLeader, reply);
      if (taken === ScriptStatus.Done)
        return { acquired: true, leadership: { token, epoch: value } };
      return { acquired: false, retryInMs: value > 0 ? value : ttlMs };
    },
    async renew({ token, epoch }) {
      const reply = await redis.evalScript(scripts.renewLeader, lockKeys, [token, ttlMs, epoch]);
      const [renewed, current] = integerPair(scripts.renewLeader, reply);
      if (renewed === ScriptStatus.Done) return { renewed: true, epoch: current };
      return { renewed: false, reason: 'deposed', currentEpoch: current };
    },
    async release({ token }) {
      const reply = await redis.evalScript(scripts.releaseLeader, [keys.leader], [token]);
      return integer(scripts.releaseLeader, reply) === ScriptStatus.Done;
    },
  };
}
