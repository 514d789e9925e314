/** One look at a partition whose saved offset is above its log end. */
export interface AheadSighting {
  saved: number;
  latest: number;
}

export type AheadDecision =
  /** Not confirmed yet: refresh the metadata and look again on a later tick. */
  | { kind: 'confirm'; sighting: AheadSighting }
  /**
   * The same answer twice: move the saved offset down to `offset`; offsets
   * `[from, to)` (`from` the log end, `to` the old saved offset) are scheduled again
   * once they exist.
   */
  | { kind: 'reset'; offset: number; from: number; to: number };

/**
 * Whether a saved offset above the log end is real (the topic was recreated or
 * truncated) or a passing answer: right after a leader change the new leader's high
 * watermark can trail what the old one acknowledged, and rewinding on it runs a range
 * twice. A reset needs the same saved offset above the same log end on two looks, the
 * metadata refreshed in between so the second is the current leader's answer; a log
 * end still moving is still catching up.
 */
export function confirmAhead(
  previous: AheadSighting | undefined,
  now: AheadSighting,
): AheadDecision {
  if (previous !== undefined && previous.saved === now.saved && previous.latest === now.latest) {
    return { kind: 'reset', offset: now.latest, from: now.latest, to: now.saved };
  }
  return { kind: 'confirm', sighting: { saved: now.saved, latest: now.latest } };
}
