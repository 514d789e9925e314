import Table from 'cli-table3';

/** What kf is compared with, each on the same broker and machine in the same run. */
export const PEERS = [
  'kafkajs',
  'java-perf',
  'share-record_limit',
  'share-batch_optimized',
  'platformatic',
  // kf itself, reading Kafka with @platformatic/kafka (`kafka: { client: 'platformatic' }`).
  'kf-platformatic',
] as const;
export type PeerName = (typeof PEERS)[number];

/**
 * One peer's figure for a measure kf has a figure for; or, where no peer makes sense, a
 * figure of kf's own measured in the same run to compare with (`kf`, with a label).
 */
export interface PeerFigure {
  peer: PeerName | 'kf';
  /** Shown instead of the peer's name when it gives a measure more than one figure. */
  label?: string;
  value: number;
  /** A goal against this peer, such as `kf ≥ 1.5× kafkajs`. */
  goal?: string;
  met?: boolean;
}

export interface Figure {
  scenario: string;
  measure: string;
  unit: string;
  kf: number;
  /** Set where a smaller figure is the better one (times, memory, costs). */
  better?: 'lower';
  /**
   * Set where the figure explains others rather than compares: kf / peer is neither
   * better nor worse (a share of the machine), or repeats another figure's comparison.
   * The table shows it; the chart leaves it out.
   */
  context?: true;
  /** A goal of kf's own, not against a peer. */
  goal?: string;
  met?: boolean;
  peers: PeerFigure[];
}

/** A scenario's figures, and what the table cannot hold (rounds, settings). */
export interface ScenarioResult {
  figures: Figure[];
  notes: string[];
}

/** `kf ≥ factor × peer` as a goal and whether kf met it. */
export function atLeast(
  kf: number,
  peer: PeerFigure['peer'],
  value: number,
  factor: number,
  label: string = peer,
): Pick<PeerFigure, 'goal' | 'met'> {
  return { goal: `kf ≥ ${factor}× ${label}`, met: kf >= factor * value };
}

const fmt = (n: number) =>
  Number.isNaN(n) ? '–' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);

/** One line per figure, for the log as each scenario ends. */
export function brief(f: Figure): string {
  const peers = f.peers.map((p) => `, ${p.label ?? p.peer} ${fmt(p.value)}`).join('');
  return `${f.measure} kf ${fmt(f.kf)}${peers} ${f.unit}`;
}

/**
 * The table: a row for kf's own goal when a figure has one, then one row per peer with
 * the peer's figure and kf / peer (for times, below 1 means kf is faster).
 */
export function formatFigures(figures: Figure[]): string {
  const table = new Table({
    head: ['scenario', 'measure', 'kf', 'peer', 'peer figure', 'kf / peer', 'goal', 'met'],
    style: { head: [], border: [] },
  });
  const met = (m: boolean | undefined) => (m === undefined ? '' : m ? 'yes' : 'NO');
  for (const f of figures) {
    const lead = [f.scenario, `${f.measure} (${f.unit})`, fmt(f.kf)];
    const blank = ['', '', ''];
    let first = true;
    if (f.goal !== undefined || f.peers.length === 0) {
      table.push([...lead, '', '', '', f.goal ?? '', met(f.met)]);
      first = false;
    }
    for (const p of f.peers) {
      table.push([
        ...(first ? lead : blank),
        p.label ?? p.peer,
        fmt(p.value),
        `${(f.kf / p.value).toFixed(2)}×`,
        p.goal ?? '',
        met(p.met),
      ]);
      first = false;
    }
  }
  return table.toString();
}

/**
 * The notes as list lines, each said once: scenarios repeat what holds for the whole run
 * (a runtime, a cluster setting), and a part of a note (between `; `) that an earlier
 * note already said is left out.
 */
export function formatNotes(notes: string[]): string[] {
  const said = new Set<string>();
  const lines: string[] = [];
  for (const note of notes) {
    const parts = note.split('; ').filter((part) => !said.has(part));
    for (const part of parts) said.add(part);
    if (parts.length > 0) lines.push(`- ${parts.join('; ')}`);
  }
  return lines;
}
