/** Where a partition's scheduling starts or resumes, and why, from what Kafka holds now. */
export type StartPosition =
  /** Nothing saved yet: start at the latest offset, or the earliest with `useEarliest`. */
  | { kind: 'initial'; offset: number }
  /**
   * Nothing saved for this partition while other partitions of its topic have saved
   * offsets: it was added after the group started, so every message in it was written
   * after the group subscribed. Start at its earliest offset, whatever `useEarliest`.
   */
  | { kind: 'added'; offset: number }
  /**
   * Nothing saved, and the Kafka consumer group committed an offset inside the log for
   * this partition: start there (an app that ran a Kafka consumer group keeps its place).
   */
  | { kind: 'committed'; offset: number }
  /** The saved offset is inside the log: schedule from it. */
  | { kind: 'saved'; offset: number }
  /**
   * Retention deleted offsets that were never scheduled: `[saved, earliest)` is gone.
   * Scheduling resumes at the earliest offset, and the lost range is reported.
   */
  | { kind: 'retention-skipped'; offset: number; lostFrom: number }
  /**
   * The saved offset is above the log's end (the topic was recreated or truncated, or
   * a new leader's high watermark trails for a moment): reset to the latest offset when
   * `resetAheadOffsets` — once `confirmAhead` saw the same answer twice — else wait for
   * the log to pass it.
   */
  | { kind: 'reset-ahead'; offset: number; savedAhead: number }
  | { kind: 'wait-ahead'; savedAhead: number };

export interface StartPositionInput {
  saved: number | undefined;
  earliest: number;
  latest: number;
  useEarliest: boolean;
  resetAheadOffsets: boolean;
  /** Whether the group has saved offsets for other partitions of the same topic. */
  otherPartitionsSaved?: boolean;
  /** The Kafka consumer group's committed offset, read only when nothing is saved. */
  committed?: number;
}

export function startPosition(input: StartPositionInput): StartPosition {
  const { saved, earliest, latest } = input;
  if (saved === undefined) {
    const { committed } = input;
    // Above the log end it belongs to an earlier log of the topic's name: not a place.
    if (committed !== undefined && committed <= latest) {
      if (committed < earliest) {
        return { kind: 'retention-skipped', offset: earliest, lostFrom: committed };
      }
      return { kind: 'committed', offset: committed };
    }
    if (input.otherPartitionsSaved === true) return { kind: 'added', offset: earliest };
    return { kind: 'initial', offset: input.useEarliest ? earliest : latest };
  }
  if (saved < earliest) return { kind: 'retention-skipped', offset: earliest, lostFrom: saved };
  if (saved > latest) {
    return input.resetAheadOffsets
      ? { kind: 'reset-ahead', offset: latest, savedAhead: saved }
      : { kind: 'wait-ahead', savedAhead: saved };
  }
  return { kind: 'saved', offset: saved };
}
