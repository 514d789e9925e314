import type { Figure, PeerName, ScenarioResult } from './figures.js';
import type { CpuRound } from './round-cpu.js';

/** A peer's P1 rounds with their CPU. */
export interface PeerCpu {
  peer: PeerName;
  rounds: CpuRound[];
  /** Whether the peer coordinates through Redis, as kf does: Redis's CPU is its too. */
  withRedis: boolean;
}

/** The round of the median rate (of the two middle ones, the slower): its figures go together. */
function medianRound(rounds: CpuRound[]): CpuRound | undefined {
  const sorted = [...rounds].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** CPU seconds over a round's span as % of one core. */
const coreShare = (r: CpuRound, seconds: number) => (seconds / r.spanMs) * 100_000;
/** Messages over CPU seconds: the round's rate over its share of a core. */
const perCpuSecond = (r: CpuRound, seconds: number) => (r.msgsPerSec * r.spanMs) / 1_000 / seconds;

interface Measure extends Pick<Figure, 'measure' | 'unit' | 'better' | 'context'> {
  value: (r: CpuRound, withRedis: boolean) => number;
}

const MEASURES: Measure[] = [
  {
    measure: 'CPU of its own processes, ready → last message, median round',
    unit: 'CPU seconds',
    better: 'lower',
    // The same comparison as messages per CPU-second, which the chart shows.
    context: true,
    value: (r) => r.own,
  },
  {
    measure: 'CPU of its own processes',
    unit: '% of a core',
    context: true,
    value: (r) => coreShare(r, r.own),
  },
  {
    measure: 'messages per CPU-second of its own processes',
    unit: 'msgs/CPU-s',
    value: (r) => perCpuSecond(r, r.own),
  },
  {
    measure: 'messages per CPU-second, Redis’s CPU added for kf',
    unit: 'msgs/CPU-s',
    value: (r, withRedis) => perCpuSecond(r, r.own + (withRedis ? r.redis : 0)),
  },
  {
    measure: 'the broker’s CPU during its rounds',
    unit: '% of a core',
    context: true,
    value: (r) => coreShare(r, r.broker),
  },
];

const pct = (n: number) => `${n.toFixed(0)} %`;

/** A contender's rounds in a note: the median round's split, and every round's share. */
function describe(name: string, rounds: CpuRound[], withRedis: boolean): string {
  const r = medianRound(rounds);
  if (!r) return `P1 CPU, ${name}: no rounds`;
  const redis = withRedis ? `, Redis ${pct(coreShare(r, r.redis))}` : '';
  const sampled = r.gapsMs
    ? ` (its JVM's and the broker's /proc read every 200 ms, each end interpolated between the samples either side, ${r.gapsMs.map((g) => g.toFixed(0)).join(' and ')} ms apart)`
    : '';
  return `P1 CPU, ${name}, median of ${rounds.length} round(s) by msgs/s: its processes ${r.own.toFixed(2)} CPU-s over ${(r.spanMs / 1_000).toFixed(2)} s, ${pct(coreShare(r, r.own))} of a core, broker ${pct(coreShare(r, r.broker))}${redis}${sampled}; ${name}'s processes in each round: ${rounds.map((x) => pct(coreShare(x, x.own))).join(', ')} of a core`;
}

/**
 * P1's CPU rows: for kf and each peer, from its median round, what its own processes used
 * over the span of its messages a second, what each message cost them, and what the
 * broker used meanwhile; on 2 shared cores, what tells the contenders' shares apart.
 */
export function cpuFigures(kf: CpuRound[], peers: PeerCpu[]): ScenarioResult {
  const kfRound = medianRound(kf);
  const figures: Figure[] = MEASURES.map(({ value, ...measure }) => ({
    scenario: 'P1',
    ...measure,
    kf: kfRound ? value(kfRound, true) : Number.NaN,
    peers: peers.flatMap(({ peer, rounds, withRedis }) => {
      const r = medianRound(rounds);
      return r ? [{ peer, value: value(r, withRedis) }] : [];
    }),
  }));
  const notes = [
    describe('kf', kf, true),
    ...peers.map(({ peer, rounds, withRedis }) => describe(peer, rounds, withRedis)),
    'P1 CPU: kf, kafkajs and @platformatic/kafka processes report process.cpuUsage() every 200 ms; each process counts from its last report before the first process was ready to its last at the end; in those rounds the broker (/proc/<pid>/stat) and Redis (INFO cpu) are read as the first process is ready and at the end',
  ];
  return { figures, notes };
}
