/** A partition, as the organiser names it in its round-robin. */
export interface PartitionKey {
  topic: string;
  partition: number;
}

/** How many units a partition's backlog would fill this tick (0: nothing to schedule). */
export interface Demand extends PartitionKey {
  units: number;
}

export interface ShareInput {
  demands: readonly Demand[];
  /** Units the work list may still take this tick (`maxQueuedUnits` minus queued). */
  room: number;
  /** The partition served last by the previous tick: dealing resumes after it. */
  after: PartitionKey | undefined;
  /** The most units one partition may take this tick. */
  maxShare: number;
}

export interface Share {
  /** Partitions given units, in dealing order; every unit granted, none above its demand. */
  grants: Demand[];
  /** The partition that took the tick's last unit: the next tick's `after`. */
  last: PartitionKey | undefined;
}

/**
 * The most one partition may take of a tick's room: half, at least one unit. A lone
 * backlog then fills the work list by halves over several ticks instead of in one, so a
 * partition that gets messages a tick later still finds room; while workers drain it,
 * the list settles with twice a tick's draining free, so no worker waits on the cap.
 */
export function maxShareOf(room: number): number {
  return Math.max(1, Math.ceil(room / 2));
}

/** Order of dealing: by topic, then partition number. */
export function compareKeys(a: PartitionKey, b: PartitionKey): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** `items` sorted, rotated to begin with the first one after `after` (wrapping round). */
export function dealingOrder<T extends PartitionKey>(
  items: readonly T[],
  after: PartitionKey | undefined,
): T[] {
  const sorted = [...items].sort(compareKeys);
  if (after === undefined) return sorted;
  const start = sorted.findIndex((item) => compareKeys(item, after) > 0);
  return start <= 0 ? sorted : [...sorted.slice(start), ...sorted.slice(0, start)];
}

/**
 * Deals a tick's room one unit at a time round-robin over the partitions that have
 * something to schedule, starting after the one served last, each up to its demand
 * and `maxShare`. Sorted order with a shared budget let the first partitions win every
 * tick while the last fell behind until retention deleted their messages; resuming the
 * rotation where the last tick stopped serves every partition within
 * ceil(partitions / room) ticks, whatever the room.
 */
export function shareRoom(input: ShareInput): Share {
  const order = dealingOrder(
    input.demands.filter((d) => d.units > 0),
    input.after,
  );
  const granted = order.map(() => 0);
  const limit = order.map((d) => Math.min(d.units, Math.max(0, input.maxShare)));
  let room = Math.max(0, input.room);
  let last: PartitionKey | undefined;
  let dealt = true;
  while (room > 0 && dealt) {
    dealt = false;
    for (let i = 0; i < order.length && room > 0; i++) {
      if ((granted[i] as number) >= (limit[i] as number)) continue;
      granted[i] = (granted[i] as number) + 1;
      room -= 1;
      dealt = true;
      const d = order[i] as Demand;
      last = { topic: d.topic, partition: d.partition };
    }
  }
  const grants = order
    .map((d, i) => ({ topic: d.topic, partition: d.partition, units: granted[i] as number }))
    .filter((g) => g.units > 0);
  return { grants, last };
}
