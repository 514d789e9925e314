import { type BenchContext, nodeContender, required } from './context.js';
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
  const js: RunResult[] = [];
  const perf: PerfResult[] = [];
  const plt: RunResult[] = [];
  const kf: RunResult[] = [];
  const kfCpu: CpuRound[] = [];
  const peerCpu = (['kafkajs', 'java-perf', 'platformatic'] as const)
    .filter((peer) => ctx.peers.has(peer))
    .map((peer): PeerCpu => ({ peer, rounds: [] }));
  const cpuOf = (peer: PeerCpu['peer']) => peerCpu.find((p) => p.peer === peer)?.rounds ?? [];
  let calls = 0;
  let trips = 0;
  let cpuSeconds = 0;
  const group = (who: string, round: number) => `bench-p1-${who}-${ctx.runId}-${round}`;
  const nodeGroup = async (who: 'kafkajs' | 'platformatic', round: number) => {
    const { run, cpu } = await timedRun(ctx, {
      processes: 2,
      // kafkajs handles up to 8 partitions at once; @platformatic/kafka has one stream.
      launch: nodeContender(ctx, who, topic, group(who, round), { concurrency: 8 }),
      target: messages,
      capMs: ROUND_CAP_MS,
    });
    cpuOf(who).push(cpu);
    return run;
  };
  for (let round = 1; round <= rounds; round++) {
    const at = `P1 round ${round}/${rounds}`;
    if (ctx.peers.has('kafkajs')) {
      ctx.log(`${at}: kafkajs consumer group, 2 processes`);
      js.push(await nodeGroup('kafkajs', round));
    }
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
    if (ctx.peers.has('platformatic')) {
      ctx.log(`${at}: @platformatic/kafka consumer group, 2 processes`);
      plt.push(await nodeGroup('platformatic', round));
    }
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
  const cappedRuns = [...js, ...plt, ...kf].filter((r) => r.capped).length;
  if (cappedRuns > 0) notes.push(`P1: ${cappedRuns} run(s) hit the ${ROUND_CAP_MS / 1000} s cap`);
  if (js.length > 0) {
    const v = median(js.map(rate));
    rates.push({ peer: 'kafkajs', value: v, ...atLeast(kfRate, 'kafkajs', v, 1.5) });
    const mb = median(js.map(mbRate));
    mbs.push({ peer: 'kafkajs', value: mb, ...atLeast(kfMb, 'kafkajs', mb, 1.5) });
    notes.push(`P1 kafkajs: ${spread(js.map(rate), 'msgs/s')}`);
  }
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
  if (plt.length > 0) {
    const v = median(plt.map(rate));
    rates.push({
      peer: 'platformatic',
      value: v,
      ...atLeast(kfRate, 'platformatic', v, 2.5, '@platformatic/kafka'),
    });
    mbs.push({ peer: 'platformatic', value: median(plt.map(mbRate)) });
    notes.push(`P1 platformatic (${plt[0]?.notes.join(', ')}): ${spread(plt.map(rate), 'msgs/s')}`);
  }
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
