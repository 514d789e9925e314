import {
  type BenchContext,
  NODE_PEERS,
  type NodePeer,
  nodeContender,
  nodePeer,
  nodePeers,
  required,
} from './context.js';
import { atLeast, type Figure, type PeerFigure, type ScenarioResult } from './figures.js';
import type { PerfResult } from './java-perf.js';
import { cpuFigures, type PeerCpu } from './p1-cpu.js';
import { preload } from './produce.js';
import { commandDelta, roundTrips, sampleRedis } from './redis-stats.js';
import { type CpuRound, perfRound, timedRun } from './round-cpu.js';
import { type RunResult, runConsumers } from './run-consumers.js';
import { mbRate, median, rate, spread } from './stats.js';

/** Each round is capped at this: a stalled consumer must not hold the run. */
const ROUND_CAP_MS = 300_000;

/**
 * kf's goals against the Node peers: `kf ≥ factor × peer` in msgs/s, and in MiB/s too
 * where `mb`. kf on @platformatic/kafka has none: it is kf, reading another way.
 */
const NODE_GOALS: Partial<Record<NodePeer, { factor: number; label?: string; mb?: true }>> = {
  kafkajs: { factor: 1.5, mb: true },
  platformatic: { factor: 2.5, label: '@platformatic/kafka' },
};

/**
 * Redis commands, and round trips of the kinds a unit costs, per second of kf's
 * background work (organiser ticks, leases, the lock, idle claims) with nothing to do.
 */
async function idleCommandRate(
  ctx: BenchContext,
  topic: string,
): Promise<{ calls: number; trips: number }> {
  const before = await sampleRedis(ctx.redis);
  const run = await runConsumers({
    processes: 2,
    launch: nodeContender(ctx, 'kf', topic, `bench-p4-idle-${ctx.runId}`, {
      kfConf: { useEarliest: false },
    }),
    target: Number.POSITIVE_INFINITY,
    capMs: 5_000,
  });
  const after = await sampleRedis(ctx.redis);
  ctx.log(`P4 idle: Redis commands: ${commandDelta(before, after)}`);
  const perSecond = (n: number) => (n / run.elapsedMs) * 1_000;
  return {
    calls: perSecond(after.calls - before.calls),
    trips: perSecond(roundTrips(before, after)),
  };
}

/**
 * P1 and P4: throughput on 8 partitions of 1 KiB messages, in alternating rounds on the
 * same preloaded topic (each round a fresh group): kf and each peer, and kf's Redis cost.
 */
export async function throughput(
  ctx: BenchContext,
  messages: number,
  rounds: number,
): Promise<ScenarioResult> {
  const topic = `bench-p1-${ctx.runId}`;
  ctx.log(`P1: preloading ${messages} × 1 KiB on 8 partitions`);
  await preload(ctx, { topic, partitions: 8, count: messages, size: 1_024 });
  const nodeRuns = new Map<NodePeer, RunResult[]>(nodePeers(ctx.peers).map((peer) => [peer, []]));
  const perf: PerfResult[] = [];
  const kf: RunResult[] = [];
  const kfCpu: CpuRound[] = [];
  const peerCpu = (['kafkajs', 'java-perf', 'platformatic', 'kf-platformatic'] as const)
    .filter((peer) => ctx.peers.has(peer))
    // kf on @platformatic/kafka coordinates through Redis as kf does: its CPU counts too.
    .map((peer): PeerCpu => ({ peer, rounds: [], withRedis: peer === 'kf-platformatic' }));
  const cpuOf = (peer: PeerCpu['peer']) => peerCpu.find((p) => p.peer === peer)?.rounds ?? [];
  let calls = 0;
  let trips = 0;
  let cpuSeconds = 0;
  const group = (who: string, round: number) => `bench-p1-${who}-${ctx.runId}-${round}`;
  const nodeGroup = async (who: NodePeer, round: number, at: string) => {
    if (!ctx.peers.has(who)) return;
    ctx.log(`${at}: ${NODE_PEERS[who].what}, 2 processes`);
    // kafkajs handles up to 8 partitions at once; @platformatic/kafka has one stream; kf,
    // on either client, keeps the bench's 4 units in flight, as in kf's rounds.
    const fields = NODE_PEERS[who].contender === 'kf' ? {} : { concurrency: 8 };
    const { run, cpu } = await timedRun(ctx, {
      processes: 2,
      launch: nodePeer(ctx, who, topic, group(who, round), fields),
      target: messages,
      capMs: ROUND_CAP_MS,
    });
    cpuOf(who).push(cpu);
    nodeRuns.get(who)?.push(run);
  };
  for (let round = 1; round <= rounds; round++) {
    const at = `P1 round ${round}/${rounds}`;
    await nodeGroup('kafkajs', round, at);
    if (ctx.peers.has('java-perf')) {
      ctx.log(`${at}: Kafka's ConsumerPerformance, 1 consumer`);
      const { result, cpu } = await perfRound(ctx, {
        libs: required(ctx.kafkaLibs, "Kafka's jars"),
        brokers: ctx.brokers,
        topic,
        group: group('perf', round),
        messages,
      });
      cpuOf('java-perf').push(cpu);
      ctx.log(
        `${at}: ConsumerPerformance ${result.messages} messages, ${result.msgsPerSec.toFixed(0)} msgs/s (fetch only ${result.fetchMsgsPerSec.toFixed(0)}), join ${result.rebalanceMs} ms`,
      );
      if (result.messages < messages) {
        throw new Error(
          `ConsumerPerformance read ${result.messages} of ${messages} messages before its 60 s timeout`,
        );
      }
      perf.push(result);
    }
    await nodeGroup('platformatic', round, at);
    await nodeGroup('kf-platformatic', round, at);
    ctx.log(`${at}: kf, 2 processes`);
    const before = await sampleRedis(ctx.redis);
    const { run, cpu } = await timedRun(ctx, {
      processes: 2,
      launch: nodeContender(ctx, 'kf', topic, group('kf', round)),
      target: messages,
      capMs: ROUND_CAP_MS,
    });
    kf.push(run);
    kfCpu.push(cpu);
    const after = await sampleRedis(ctx.redis);
    ctx.log(`${at}: kf ${kf.at(-1)?.units} units; Redis commands: ${commandDelta(before, after)}`);
    calls += after.calls - before.calls;
    trips += roundTrips(before, after);
    cpuSeconds += after.cpuSeconds - before.cpuSeconds;
  }
  ctx.log('P4: kf background commands with nothing to consume, 2 processes, 5 s');
  const idle = await idleCommandRate(ctx, topic);
  const kfSeconds = kf.reduce((sum, r) => sum + r.elapsedMs, 0) / 1_000;
  const units = kf.reduce((sum, r) => sum + r.units, 0);
  const perUnit = (calls - idle.calls * kfSeconds) / Math.max(1, units);
  const tripsPerUnit = (trips - idle.trips * kfSeconds) / Math.max(1, units);

  const kfRate = median(kf.map(rate));
  const kfMb = median(kf.map(mbRate));
  const rates: PeerFigure[] = [];
  const mbs: PeerFigure[] = [];
  const notes = [`P1 kf: ${spread(kf.map(rate), 'msgs/s')}`];
  const cappedRuns = [...nodeRuns.values(), kf].flat().filter((r) => r.capped).length;
  if (cappedRuns > 0) notes.push(`P1: ${cappedRuns} run(s) hit the ${ROUND_CAP_MS / 1000} s cap`);
  // A Node peer's median msgs/s and MiB/s beside kf's, with kf's goals against it.
  const nodeFigures = (who: NodePeer) => {
    const runs = nodeRuns.get(who) ?? [];
    if (runs.length === 0) return;
    const goal = NODE_GOALS[who];
    const against = (kfValue: number, value: number, applies = true) =>
      goal && applies ? atLeast(kfValue, who, value, goal.factor, goal.label) : {};
    const v = median(runs.map(rate));
    const mb = median(runs.map(mbRate));
    rates.push({ peer: who, value: v, ...against(kfRate, v) });
    mbs.push({ peer: who, value: mb, ...against(kfMb, mb, goal?.mb) });
    notes.push(`P1 ${who} (${runs[0]?.notes.join(', ')}): ${spread(runs.map(rate), 'msgs/s')}`);
  };
  nodeFigures('kafkajs');
  if (perf.length > 0) {
    const v = median(perf.map((p) => p.msgsPerSec));
    rates.push({
      peer: 'java-perf',
      label: 'java-perf nMsg.sec',
      value: v,
      ...atLeast(kfRate, 'java-perf', v, 1.25, 'ConsumerPerformance'),
    });
    rates.push({
      peer: 'java-perf',
      label: 'java-perf fetch.nMsg.sec',
      value: median(perf.map((p) => p.fetchMsgsPerSec)),
    });
    mbs.push({ peer: 'java-perf', value: median(perf.map((p) => p.mbPerSec)) });
    notes.push(
      `P1 java-perf (ConsumerPerformance, 1 KafkaConsumer, its defaults, -Xmx512m): nMsg.sec ${spread(
        perf.map((p) => p.msgsPerSec),
        '',
      )}; fetch.nMsg.sec ${spread(
        perf.map((p) => p.fetchMsgsPerSec),
        '',
      )}; join (rebalance.time.ms) ${perf.map((p) => p.rebalanceMs).join(', ')}`,
    );
  }
  nodeFigures('platformatic');
  nodeFigures('kf-platformatic');
  const cpu = cpuFigures(kfCpu, peerCpu);
  notes.push(...cpu.notes);
  const figures: Figure[] = [
    {
      scenario: 'P1 8 partitions, 1 KiB, no-op, 2 processes',
      measure: 'throughput, median',
      unit: 'msgs/s',
      kf: kfRate,
      peers: rates,
    },
    { scenario: 'P1', measure: 'throughput, median', unit: 'MiB/s', kf: kfMb, peers: mbs },
    ...cpu.figures,
    {
      scenario: 'P4 Redis cost (during P1)',
      measure: 'round trips per unit',
      unit: 'BLMOVE + EVALSHA',
      kf: tripsPerUnit,
      goal: 'a few per unit',
      met: tripsPerUnit <= 4,
      peers: [],
    },
    {
      scenario: 'P4',
      measure: 'commands executed per unit',
      unit: 'commands, scripts’ own included',
      kf: perUnit,
      peers: [],
    },
    {
      scenario: 'P4',
      measure: 'Redis CPU',
      unit: '% of a core',
      kf: (cpuSeconds / kfSeconds) * 100,
      peers: [],
    },
  ];
  notes.push(
    `P4: ${units} units; background ${idle.trips.toFixed(0)} round trips/s and ${idle.calls.toFixed(0)} commands/s for 2 idle nodes taken out`,
  );
  return { figures, notes };
}
