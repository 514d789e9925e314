import { ConfigError } from '@kf/protocol';

/**
 * The Redis keys of one consumer group, the one place their names are built. Each
 * carries the group as its hash tag, `kf:{group}:…`, so on a Redis Cluster every key of
 * a group lives in one slot and a multi-key script never fails with CROSSSLOT. That puts
 * one group's coordination on one shard; groups spread over the cluster. Should a group
 * outgrow a shard, the tag is built in `tag()` alone, so it can be split there.
 */
export interface GroupKeys {
  readonly group: string;
  /** List: units waiting for a worker. */
  readonly work: string;
  /** List: units given up on, each with its reason. */
  readonly error: string;
  /** Hash: `topic/partition` → the next offset to schedule. */
  readonly offsets: string;
  /** Set: the group's topics. */
  readonly topics: string;
  /** String: the leader's token, with a PX expiry. */
  readonly leader: string;
  /** String: the fencing counter, incremented on each new leadership. */
  readonly epoch: string;
  /** Sorted set: nodeId → lease expiry in Redis server time (ms). */
  readonly nodes: string;
  /**
   * String: present while the group is paused (`kf pause`, `node.pause()`); the leader
   * schedules nothing new, workers finish what is queued. Its value says who paused it.
   */
  readonly paused: string;
  /**
   * String: the `ordering` the leader schedules under (`unordered` or `partition`), written
   * once a term, so that a requeue from the error list by a caller who does not know the
   * group's config (an admin) follows the group's ordering.
   */
  readonly ordering: string;
  /** List: the units `nodeId` has claimed. */
  working(nodeId: string): string;
  /** Sorted set: unit id → start offset of each scheduled, not yet completed unit. */
  pending(topic: string, partition: number): string;
}

export function groupKeys(group: string): GroupKeys {
  if (group === '' || /[{}]/.test(group)) {
    throw new ConfigError([
      {
        path: 'redis.groupName',
        message: `expected a non-empty name without { or }, got ${JSON.stringify(group)}`,
      },
    ]);
  }
  const prefix = `kf:${tag(group)}:`;
  return Object.freeze({
    group,
    work: `${prefix}work`,
    error: `${prefix}error`,
    offsets: `${prefix}offsets`,
    topics: `${prefix}topics`,
    leader: `${prefix}leader`,
    epoch: `${prefix}epoch`,
    nodes: `${prefix}nodes`,
    paused: `${prefix}paused`,
    ordering: `${prefix}ordering`,
    working: (nodeId: string) => `${prefix}working:${nodeId}`,
    pending: (topic: string, partition: number) => `${prefix}pending:${topic}/${partition}`,
  });
}

function tag(group: string): string {
  return `{${group}}`;
}
