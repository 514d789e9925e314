import type { GroupKeys } from '@kf/core';
import { type IRedis, ScriptError } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';

/** What one claim found: units (as claimed: their identity), nothing, or no live lease. */
export type ClaimResult =
  /** At least one unit, oldest first. */
  | { kind: 'claimed'; raws: string[] }
  | { kind: 'empty' }
  /** The node's lease lapsed (the leader may have recovered its units): renew first. */
  | { kind: 'no-lease' };

/**
 * Moves up to `most` units from the tail of the work list into the node's working list,
 * in one script that first checks the node's lease: no unit can land in the working
 * list of a node the leader no longer watches.
 */
export async function claimUnits(
  redis: IRedis,
  keys: GroupKeys,
  nodeId: string,
  most: number,
): Promise<ClaimResult> {
  const reply = await redis.evalScript(
    scripts.claimUnit,
    [keys.nodes, keys.work, keys.working(nodeId)],
    [nodeId, String(most)],
  );
  const [status, ...raws] = Array.isArray(reply) ? reply : [];
  if (
    Number(status) === ScriptStatus.Done &&
    raws.length > 0 &&
    raws.length <= most &&
    raws.every((raw) => typeof raw === 'string')
  ) {
    return { kind: 'claimed', raws: raws as string[] };
  }
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
