/** One look at a partition whose saved offset is above its log end. */
export interface AheadSighting {
  saved: number;
  earliest: number;
  latest: number;
}

export type AheadDecision =
  /** Not confirmed yet: refresh the metadata and look again on a later tick. */
  | { kind: 'confirm'; sighting: AheadSighting }
  /**
   * Confirmed: move the saved offset down to `offset`. `[offset, saved)` is scheduled
   * again as it is written; `skipped`, when set, is the part of the log below `offset`
   * that is not scheduled (a reset to the log end).
   */
  | { kind: 'reset'; offset: number; saved: number; skipped?: { from: number; to: number } };

/**
 * Whether a saved offset above the log end is real (the topic was recreated or
 * truncated) or a passing answer: right after a leader change the new leader's high
 * watermark can trail what the old one acknowledged, and rewinding on it runs a range
 * twice. A reset needs the same saved offset still above the log end on a second look,
 * on a later tick, with the metadata reloaded in between so it is the current leader's
 * answer. The log end may move between the looks: a recreated topic being written must
 * not wait for a quiet moment. The saved offset then moves to where a group without one
 * would start (`useEarliest`), and what that leaves out is said.
 */
export function confirmAhead(
  previous: AheadSighting | undefined,
  now: AheadSighting,
  useEarliest: boolean,
): AheadDecision {
  if (previous === undefined || previous.saved !== now.saved || now.latest >= now.saved) {
    return { kind: 'confirm', sighting: now };
  }
  const offset = useEarliest ? now.earliest : now.latest;
  return {
    kind: 'reset',
    offset,
    saved: now.saved,
    ...(offset > now.earliest ? { skipped: { from: now.earliest, to: offset } } : {}),
  };
}
