import type { GroupKeys } from '@kf/core';
import type { IRedis } from '@kf/protocol';
import { ScriptStatus, scripts } from '../scripts/index.js';
import { statusReply } from '../scripts/reply.js';

/**
 * Finds units in a live node's working list that the node does not hold, and queues
 * them again. Two ways they get there, both through Redis rather than the node: a
 * claim whose reply was lost with its connection (the unit moved, the node never saw
 * it), and a completion that a fail-over to a replica undid. Left alone, either waits
 * for the node to die, and under `ordering: 'partition'` stalls its partition.
 *
 * A unit counts as orphaned only when two consecutive sweeps find it unheld: a claim
 * whose reply is still on its way, or a completion in flight, is seen by one at most.
 * It goes back flagged `redelivered`: a completion undone means user code had it all.
 */
export class OrphanSweep {
  private suspects = new Set<string>();

  constructor(
    private readonly redis: IRedis,
    private readonly keys: GroupKeys,
    private readonly nodeId: string,
  ) {}

  /** One sweep; resolves to how many units it queued again. */
  async sweep(held: ReadonlySet<string>): Promise<number> {
    const listed = await this.redis.listRange(this.keys.working(this.nodeId), 0, -1);
    const unheld = new Set(listed.filter((raw) => !held.has(raw)));
    const orphans = [...unheld].filter((raw) => this.suspects.has(raw));
    this.suspects = new Set([...unheld].filter((raw) => !this.suspects.has(raw)));
    if (orphans.length === 0) return 0;
    const reply = await this.redis.evalScript(
      scripts.requeueOrphans,
      [this.keys.working(this.nodeId), this.keys.work],
      orphans,
    );
    return statusReply(scripts.requeueOrphans, reply, [ScriptStatus.Done]).value;
  }
}
