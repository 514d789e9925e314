import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';

/** What one claim found: a unit (as claimed: its identity), nothing, or no live lease. */
export type ClaimResult =
  | { kind: 'claimed'; raw: string }
  | { kind: 'empty' }
  /** The node's lease lapsed (the leader may have recovered its units): renew first. */
  | { kind: 'no-lease' };

/**
 * Moves the unit at the tail of the work list into the node's working list, in one
 * script that first checks the node's lease: no unit can land in the working list of a
 * node the leader no longer watches.
 */
export async function claimUnit(
  redis: IRedis,
  keys: GroupKeys,
  nodeId: string,
): Promise<ClaimResult> {
  const reply = await redis.evalScript(
    scripts.claimUnit,
    [keys.nodes, keys.work, keys.working(nodeId)],
    [nodeId],
  );
  const [status, raw] = Array.isArray(reply) ? reply : [];
  if (Number(status) === ScriptStatus.Done && typeof raw === 'string')
    return { kind: 'claimed', raw };
  if (Number(status) === ScriptStatus.Empty) return { kind: 'empty' };
  if (Number(status) === ScriptStatus.Stale) return { kind: 'no-lease' };
  throw new ScriptError(scripts.claimUnit.name, `unexpected reply ${JSON.stringify(reply)}`);
}

/**
 * Waits up to `timeoutMs` for the work list to hold a unit, taking nothing: a blocking
 * move of the list's tail onto its own tail leaves the list as it was. A command of this
 * that outlives its node (a driver that gives up on the client side only) therefore
 * cannot carry a unit into a working list nobody watches.
 */
export async function waitForWork(
  redis: IRedis,
  keys: GroupKeys,
  timeoutMs: number,
): Promise<boolean> {
  const seen = await redis.listBlockingMove(keys.work, keys.work, {
    from: 'right',
    to: 'right',
    timeoutMs,
  });
  return seen !== null;
}
