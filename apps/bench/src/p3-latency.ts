import { type BenchContext, nodeContender, nodePeer, nodePeers, required } from './context.js';
import type { PeerFigure, PeerName, ScenarioResult } from './figures.js';
import { latencyRun } from './latency-run.js';
import type { ConsumerLauncher } from './run-consumers.js';
import {
  describeShare,
  prepareShareGroup,
  SHARE_ACQUIRE_MODES,
  type ShareSettings,
  warmUpShareGroups,
} from './share-group.js';

const PROCESSES = 2;
/** kf: units in flight per process (the bench's default); a share group: threads per JVM. */
const PER_PROCESS = 4;
const PARTITIONS = 4;
const RATE = 1_000;

type Contestant = 'kf' | PeerName;

/** P3: produce → handler latency at about 1000 msgs/s, default settings. */
export async function latency(ctx: BenchContext, durationMs: number): Promise<ScenarioResult> {
  const notes: string[] = [];
  // Each contestant: how to launch its processes on a topic, and its settings when not
  // its defaults alone.
  const launchers: Array<
    [Contestant, (topic: string, group: string) => Promise<ConsumerLauncher>, string?]
  > = [];
  for (const peer of nodePeers(ctx.peers)) {
    launchers.push([peer, async (topic, group) => nodePeer(ctx, peer, topic, group)]);
  }
  for (const mode of SHARE_ACQUIRE_MODES) {
    if (!ctx.peers.has(`share-${mode}`)) continue;
    // Defaults but where to start: the group starts before the first record is produced.
    const settings: ShareSettings = {
      acquireMode: mode,
      consumer: {},
      group: { 'share.auto.offset.reset': 'earliest' },
    };
    launchers.push([
      `share-${mode}`,
      async (topic, group) => {
        notes.push(await warmUpShareGroups(ctx));
        const share = await prepareShareGroup({
          classpath: required(ctx.shareClasspath, 'the share-group consumer'),
          brokers: ctx.brokers,
          topic,
          group,
          threads: PER_PROCESS,
          handlerMs: 0,
          settings,
          log: ctx.log,
        });
        return share.launch;
      },
      describeShare(settings),
    ]);
  }
  launchers.push(['kf', async (topic, group) => nodeContender(ctx, 'kf', topic, group)]);

  const results = new Map<Contestant, { p50: number; p99: number }>();
  for (const [who, launch, settings] of launchers) {
    ctx.log(`P3: ${who}, ${PROCESSES} processes, ${RATE} msgs/s for ${durationMs / 1000} s`);
    const group = `bench-p3-${who}-${ctx.runId}`;
    const { p50, p99, produced, run } = await latencyRun(ctx, {
      topic: `bench-p3-${who}-${ctx.runId}`,
      partitions: PARTITIONS,
      processes: PROCESSES,
      launch: (topic) => launch(topic, group),
      rate: RATE,
      durationMs,
    });
    results.set(who, { p50, p99 });
    const line = `P3 ${who}: handled ${run.messages} of ${produced} produced`;
    ctx.log(line);
    notes.push([line, settings, ...run.notes].filter(Boolean).join('; '));
  }
  const kf = results.get('kf') as { p50: number; p99: number };
  const peersOf = (q: 'p50' | 'p99'): PeerFigure[] =>
    [...results]
      .filter((entry): entry is [PeerName, { p50: number; p99: number }] => entry[0] !== 'kf')
      .map(([peer, r]) => ({ peer, value: r[q] }));
  return {
    figures: [
      {
        scenario: `P3 latency at ${RATE} msgs/s, defaults, ${PROCESSES} processes`,
        measure: 'p50',
        unit: 'ms',
        kf: kf.p50,
        better: 'lower',
        goal: 'kf p50 ≤ 10 ms',
        met: kf.p50 <= 10,
        peers: peersOf('p50'),
      },
      {
        scenario: 'P3',
        measure: 'p99',
        unit: 'ms',
        kf: kf.p99,
        better: 'lower',
        goal: 'kf p99 ≤ 50 ms',
        met: kf.p99 <= 50,
        peers: peersOf('p99'),
      },
    ],
    notes,
  };
}
