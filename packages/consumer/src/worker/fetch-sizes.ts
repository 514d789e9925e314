import type { FetchResult } from '@kf/protocol';

/**
 * Below this a sized fetch costs more in round trips than it saves in bytes (unless
 * `fetch.maxBytes` is lower still).
 */
const FLOOR_BYTES = 64 * 1024;
/** Room over the estimate, so a range a little denser than the average comes in one fetch. */
const HEADROOM = 1.25;
/** How much one answer moves the estimate: a change of record size is followed within a few. */
const WEIGHT = 0.5;

interface Density {
  bytesPerOffset: number;
  bytesPerBatch: number;
}

/**
 * How many bytes a worker's fetch asks for. Asking for `fetch.maxBytes` whatever is left
 * of the unit makes the broker read, and send, up to that much past the unit's end: k
 * small units of one backlog each re-read the backlog's tail. A fetch therefore asks for
 * what the rest of its unit should take, by the bytes per offset and per batch the
 * partition's earlier answers on this node had, bounded by `fetch.maxBytes` and a floor.
 * An estimate that falls short costs a short read and one more fetch from where it
 * stopped; the broker returns at least one whole batch, so every fetch makes progress.
 */
export class FetchSizes {
  private readonly partitions = new Map<string, Density>();
  private readonly floor: number;

  constructor(
    private readonly maxBytes: number,
    floorBytes = FLOOR_BYTES,
  ) {
    this.floor = Math.min(maxBytes, floorBytes);
  }

  /** Bytes to ask for to read `offsets` offsets of the partition in one fetch. */
  bytesFor(topic: string, partition: number, offsets: number): number {
    const density = this.partitions.get(key(topic, partition));
    if (density === undefined) return this.maxBytes;
    // A batch beyond the range's own bytes: the batch holding its first offset may start
    // below it, and the one holding its last may run past it, both coming whole; each
    // by half a batch on average, and a read that still falls short is continued.
    const wanted = offsets * density.bytesPerOffset * HEADROOM + density.bytesPerBatch;
    return Math.min(this.maxBytes, Math.max(this.floor, Math.ceil(wanted)));
  }

  /**
   * Learns from one answer of the partition: one with no whole batch tells nothing, nor
   * one from a Kafka port that does not report its batches.
   */
  learn(topic: string, partition: number, batches: FetchResult['batches']): void {
    if (batches === undefined) return;
    const { count, bytes, offsets } = batches;
    if (count === 0 || offsets <= 0) return;
    const seen = { bytesPerOffset: bytes / offsets, bytesPerBatch: bytes / count };
    const id = key(topic, partition);
    const known = this.partitions.get(id);
    this.partitions.set(
      id,
      known === undefined
        ? seen
        : {
            bytesPerOffset: mix(known.bytesPerOffset, seen.bytesPerOffset),
            bytesPerBatch: mix(known.bytesPerBatch, seen.bytesPerBatch),
          },
    );
  }
}

function mix(known: number, seen: number): number {
  return known + (seen - known) * WEIGHT;
}

function key(topic: string, partition: number): string {
  return `${partition}/${topic}`;
}
