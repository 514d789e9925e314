import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';

export type RecoveryResult = { recovered: true; units: number } | { recovered: false };

/**
 * Moves a node's claimed units back to the work list once its lease has expired by
 * server time, and drops its lease, in one script. A node that renewed meanwhile keeps
 * its units. (kafka-clj recovered a queue only when a node of the same host restarted.)
 */
export async function recoverNode(
  redis: IRedis,
  keys: GroupKeys,
  nodeId: string,
): Promise<RecoveryResult> {
  const reply = await redis.evalScript(
    scripts.recoverNode,
    [keys.nodes, keys.working(nodeId), keys.work],
    [nodeId],
  );
  const { status, value } = statusReply(scripts.recoverNode, reply, [
    ScriptStatus.Done,
    ScriptStatus.Stale,
  ]);
  return status === ScriptStatus.Done ? { recovered: true, units: value } : { recovered: false };
}
