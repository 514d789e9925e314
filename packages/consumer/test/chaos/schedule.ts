import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { FaultKind, Marker } from './run-record.js';

/** Topics of an episode: the first two from the start, the third added during it. */
export const EPISODE_TOPICS = 3;
const STARTING_TOPICS = 2;

export interface Step {
  /** Milliseconds into the episode's fault phase. */
  atMs: number;
  kind: FaultKind;
  /** For node faults: which live node, as an index taken modulo how many live then. */
  node?: number;
  /** A stall's length; a killed or closed node's replacement delay. */
  ms?: number;
  /** For topic steps and partitions added: which of the episode's topics. */
  topic?: number;
  /** For partitions added: how many partitions the topic has after. */
  partitions?: number;
  /** For a Kafka broker kill: which partition's leader to kill (modulo the count). */
  partition?: number;
}

export interface MarkedMessage {
  topic: number;
  /** The n-th message produced to that topic. */
  n: number;
  marker: Marker;
}

export interface EpisodePlan {
  seed: number;
  nodes: number;
  ordering: 'unordered' | 'partition';
  partitions: number;
  /** Messages a second produced to each topic. */
  rate: number;
  markers: MarkedMessage[];
  steps: Step[];
  faultMs: number;
}

export interface PlanOptions {
  /** The fault phase of the episode: steps are drawn inside it. */
  faultMs: number;
  /** The node lease TTL: stalls are drawn around it, some shorter and some longer. */
  leaseTtlMs: number;
}

/** The seed of the `index`-th episode of a run: each episode replays on its own. */
export function episodeSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b1)) >>> 0;
}

/**
 * Draws an episode from its seed: the same seed gives the same plan. The faults keep the
 * stack able to recover: one Redis master and one Kafka broker down at most, each back
 * before the next kill; a removed topic added back; everything restored before the end.
 */
export function planEpisode(seed: number, options: PlanOptions): EpisodePlan {
  const rng = xoroshiro128plus(seed);
  const int = (from: number, to: number) => uniformInt(rng, from, to);
  const partitions = int(3, 5);
  const rate = int(60, 120);
  const markers: MarkedMessage[] = [];
  const producedBy = (ms: number) => Math.floor((ms / 1_000) * rate);
  for (const [marker, count] of [
    ['poison', int(1, 2)],
    ['throw', int(2, 4)],
    ['hang', int(1, 2)],
  ] as const) {
    for (let i = 0; i < count; i++) {
      markers.push({
        topic: int(0, EPISODE_TOPICS - 1),
        n: int(0, producedBy(options.faultMs)),
        marker,
      });
    }
  }

  const steps: Step[] = [];
  const restores: Step[] = [];
  const state = {
    redisDown: false,
    brokerDown: false,
    removed: -1,
    added: false,
    grown: [0, 0, 0],
  };
  const subscribed = () =>
    [0, 1, 2].filter((t) => (t < STARTING_TOPICS || state.added) && t !== state.removed);
  let at = int(2_000, 4_000);
  while (at < options.faultMs) {
    const due = restores.filter((r) => r.atMs <= at).sort((a, b) => a.atMs - b.atMs);
    for (const r of due) {
      restores.splice(restores.indexOf(r), 1);
      steps.push(r);
      if (r.kind === 'redis-restart') state.redisDown = false;
      else if (r.kind === 'kafka-broker-restart') state.brokerDown = false;
      else if (r.kind === 'topic-add' && r.topic === state.removed) state.removed = -1;
    }
    const choices: Array<[FaultKind, number]> = [
      ['node-kill', 3],
      ['leader-kill', 2],
      ['node-stall', 3],
      ['node-close', 2],
      ['redis-master-kill', state.redisDown ? 0 : 1],
      ['kafka-broker-kill', state.brokerDown ? 0 : 1],
      ['partitions-add', 1],
      ['topic-add', state.added ? 0 : 2],
      ['topic-remove', state.removed >= 0 ? 0 : 1],
    ];
    const kind = pick(
      choices,
      int(
        1,
        choices.reduce((sum, [, w]) => sum + w, 0),
      ),
    );
    const step: Step = { atMs: at, kind };
    if (kind === 'node-kill' || kind === 'leader-kill' || kind === 'node-close') {
      step.node = int(0, 7);
      step.ms = int(0, 2_000);
    } else if (kind === 'node-stall') {
      step.node = int(0, 7);
      step.ms = int(500, 2 * options.leaseTtlMs);
    } else if (kind === 'redis-master-kill') {
      state.redisDown = true;
      restores.push({ atMs: at + int(4_000, 10_000), kind: 'redis-restart' });
    } else if (kind === 'kafka-broker-kill') {
      state.brokerDown = true;
      step.partition = int(0, 31);
      restores.push({ atMs: at + int(5_000, 12_000), kind: 'kafka-broker-restart' });
    } else if (kind === 'partitions-add') {
      const topic = int(0, EPISODE_TOPICS - 1);
      state.grown[topic] = (state.grown[topic] ?? 0) + int(1, 2);
      step.topic = topic;
      step.partitions = partitions + (state.grown[topic] ?? 0);
    } else if (kind === 'topic-add') {
      state.added = true;
      step.topic = 2;
    } else if (kind === 'topic-remove') {
      const candidates = subscribed();
      const topic = candidates[int(0, candidates.length - 1)] as number;
      state.removed = topic;
      step.topic = topic;
      restores.push({ atMs: at + int(3_000, 8_000), kind: 'topic-add', topic });
    }
    steps.push(step);
    at += int(1_500, 5_000);
  }
  // Everything comes back before the episode drains, in the order it was due.
  for (const r of restores.sort((a, b) => a.atMs - b.atMs))
    steps.push({ ...r, atMs: Math.max(r.atMs, at) });
  if (!state.added) steps.push({ atMs: at, kind: 'topic-add', topic: 2 });
  return {
    seed,
    nodes: int(3, 4),
    ordering: int(0, 1) === 0 ? 'unordered' : 'partition',
    partitions,
    rate,
    markers,
    steps,
    faultMs: options.faultMs,
  };
}

function pick(choices: Array<[FaultKind, number]>, ticket: number): FaultKind {
  let left = ticket;
  for (const [kind, weight] of choices) {
    if (left <= weight) return kind;
    left -= weight;
  }
  throw new Error(`ticket ${ticket} beyond the weights`);
}

/** How many of each kind a plan holds, for the run's summary. */
export function stepCounts(steps: readonly Step[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of steps) counts[s.kind] = (counts[s.kind] ?? 0) + 1;
  return counts;
}
