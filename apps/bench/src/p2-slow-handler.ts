import { type BenchContext, nodeContender, required } from './context.js';
import { atLeast, type PeerFigure, type ScenarioResult } from './figures.js';
import { preload } from './produce.js';
import { type RunResult, runConsumers } from './run-consumers.js';
import {
  describeShare,
  MAX_RECORD_LOCKS,
  prepareShareGroup,
  SHARE_ACQUIRE_MODES,
  type ShareAcquireMode,
  type ShareSettings,
  warmUpShareGroups,
} from './share-group.js';
import { median, rate, spread } from './stats.js';

// A 1 ms handler takes 200 ms per unit of 200: small enough that the last units of the
// run do not leave most slots idle, large enough that Redis work per unit is noise.
const UNIT_FOR_SLOW_HANDLERS = 200;
const PROCESSES = 4;
/** kf: units in flight per process; a share group: consumer threads per JVM. */
export const PER_PROCESS = 8;
const RUN_CAP_MS = 60_000;

/**
 * The share group tuned for one partition and 32 consumers with a 1 ms handler: the
 * partition's record locks raised to the broker's ceiling and shared out, so each
 * consumer can hold a poll's worth at once and none waits for locks (batch_optimized
 * may return more than max.poll.records, to the end of a record batch); assignments
 * every 100 ms instead of every second, so members that join later get the partition
 * sooner; earliest, as the topic is preloaded.
 */
export function p2ShareSettings(mode: ShareAcquireMode, pollRecords?: number): ShareSettings {
  const consumers = PROCESSES * PER_PROCESS;
  return {
    acquireMode: mode,
    consumer: {
      'max.poll.records': String(pollRecords ?? Math.floor(MAX_RECORD_LOCKS / consumers)),
    },
    group: {
      'share.auto.offset.reset': 'earliest',
      'share.partition.max.record.locks': String(MAX_RECORD_LOCKS),
      'share.assignment.interval.ms': '100',
    },
  };
}

/** The workload of P2 and P8: `messages` small messages on one partition. */
export async function preloadSlowHandlerTopic(
  ctx: BenchContext,
  scenario: string,
  messages: number,
): Promise<string> {
  const topic = `bench-${scenario.toLowerCase()}-${ctx.runId}`;
  ctx.log(`${scenario}: preloading ${messages} small messages on 1 partition`);
  await preload(ctx, { topic, partitions: 1, count: messages, size: 100 });
  return topic;
}

/**
 * kf on P2's workload: `processes` × concurrency 8, units of 200 offsets, a handler that
 * awaits 1 ms; each round a fresh group on the same topic.
 */
export async function slowHandlerRuns(
  ctx: BenchContext,
  options: { topic: string; messages: number; processes: number; rounds: number; scenario: string },
): Promise<RunResult[]> {
  const { processes, rounds, scenario } = options;
  const runs: RunResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    ctx.log(`${scenario} round ${round}/${rounds}: kf, ${processes} × concurrency ${PER_PROCESS}`);
    const group = `bench-${scenario.toLowerCase()}-kf${processes}-${ctx.runId}-${round}`;
    const run = await runConsumers({
      processes,
      launch: nodeContender(ctx, 'kf', options.topic, group, {
        handlerDelayMs: 1,
        concurrency: PER_PROCESS,
        kfConf: { consumeStep: UNIT_FOR_SLOW_HANDLERS },
      }),
      target: options.messages,
      capMs: RUN_CAP_MS,
    });
    runs.push(run);
  }
  return runs;
}

/** P2: one partition, a handler that awaits 1 ms per message. */
export async function slowHandler(
  ctx: BenchContext,
  messages: number,
  rounds: number,
): Promise<ScenarioResult> {
  const topic = await preloadSlowHandlerTopic(ctx, 'P2', messages);
  const notes: string[] = [];
  const peers: Array<PeerFigure & { rates: number[] }> = [];
  if (ctx.peers.has('kafkajs')) {
    ctx.log(
      'P2: kafkajs consumer group, 4 processes (capped at 20 s: one member works, at about 1 ms a message)',
    );
    const js = await runConsumers({
      processes: PROCESSES,
      launch: nodeContender(ctx, 'kafkajs', topic, `bench-p2-js-${ctx.runId}`, {
        handlerDelayMs: 1,
      }),
      target: messages,
      capMs: 20_000,
    });
    peers.push({ peer: 'kafkajs', value: rate(js), rates: [rate(js)] });
    notes.push(`P2 kafkajs: ${js.messages} messages in ${(js.elapsedMs / 1000).toFixed(1)} s`);
  }
  for (const mode of SHARE_ACQUIRE_MODES) {
    if (!ctx.peers.has(`share-${mode}`)) continue;
    const settings = p2ShareSettings(mode, ctx.sharePollRecords);
    notes.push(await warmUpShareGroups(ctx));
    const rates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      ctx.log(
        `P2 round ${round}/${rounds}: share group (${mode}), ${PROCESSES} JVMs × ${PER_PROCESS} consumers`,
      );
      const share = await prepareShareGroup({
        classpath: required(ctx.shareClasspath, 'the share-group consumer'),
        brokers: ctx.brokers,
        topic,
        group: `bench-p2-share-${mode}-${ctx.runId}-${round}`,
        threads: PER_PROCESS,
        handlerMs: 1,
        settings,
        log: ctx.log,
      });
      const run = await runConsumers({
        processes: PROCESSES,
        launch: share.launch,
        target: messages,
        capMs: RUN_CAP_MS,
      });
      ctx.log(
        `P2 round ${round}: share group (${mode}) ${run.messages} messages, ${rate(run).toFixed(0)} msgs/s${run.capped ? ' (capped)' : ''}`,
      );
      rates.push(rate(run));
      if (round === 1) notes.push(`P2 share-${mode} round 1: ${run.notes.join('; ')}`);
    }
    peers.push({ peer: `share-${mode}`, value: median(rates), rates });
    notes.push(`P2 share-${mode}: ${spread(rates, 'msgs/s')}; ${describeShare(settings)}`);
  }
  const kfRuns = async (processes: number) =>
    (await slowHandlerRuns(ctx, { topic, messages, processes, rounds, scenario: 'P2' })).map(rate);
  const one = await kfRuns(1);
  const four = await kfRuns(PROCESSES);
  const kf = median(four);
  const scaling = kf / (PROCESSES * median(one));
  notes.unshift(
    `P2 kf, ${PROCESSES} processes: ${spread(four, 'msgs/s')}; 1 process: ${spread(one, 'msgs/s')}`,
  );
  const best = peers
    .filter((p) => p.peer.startsWith('share-'))
    .reduce<PeerFigure | undefined>((b, p) => (b && b.value >= p.value ? b : p), undefined);
  const figurePeers: PeerFigure[] = peers.map(({ rates: _, ...p }) => {
    if (p.peer === 'kafkajs') return { ...p, ...atLeast(kf, p.peer, p.value, 20) };
    if (p.peer === best?.peer)
      return { ...p, ...atLeast(kf, p.peer, p.value, 1.5, 'best share group') };
    return p;
  });
  return {
    figures: [
      {
        scenario: `P2 1 partition, 1 ms handler, ${PROCESSES} processes × ${PER_PROCESS}`,
        measure: 'throughput, median',
        unit: 'msgs/s',
        kf,
        peers: figurePeers,
      },
      {
        scenario: 'P2',
        measure: 'scaling 1 → 4 processes',
        unit: '× linear',
        kf: scaling,
        goal: '≥ 0.8× linear',
        met: scaling >= 0.8,
        peers: [],
      },
    ],
    notes,
  };
}
