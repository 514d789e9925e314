/** Who paused a group, and when, as the group's paused key holds it. */
export interface PauseNote {
  /** Free text naming who paused it: `user@host` for the command line. */
  by: string;
  /** When, ms since the epoch. */
  at: number;
}

export function encodePauseNote(note: PauseNote): string {
  return JSON.stringify({ by: note.by, at: note.at });
}

/**
 * Reads the paused key's value back. One not written by kf (set by hand) still means the
 * group is paused: it is shown as it is, with no time.
 */
export function decodePauseNote(raw: string): PauseNote {
  try {
    const note = JSON.parse(raw) as Partial<PauseNote> | null;
    if (typeof note?.by === 'string' && typeof note.at === 'number') {
      return { by: note.by, at: note.at };
    }
  } catch {
    // not JSON: shown as it is below
  }
  return { by: raw, at: 0 };
}
