import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { type BenchContext, required } from './context.js';
import { javaCommand, kafkaJvmArgs } from './java.js';
import { preload } from './produce.js';
import type { ConsumerReport } from './protocol.js';
import { type ConsumerLauncher, runConsumers } from './run-consumers.js';

const run = promisify(execFile);

/** The two ways a share consumer acquires records (`share.acquire.mode`). */
export const SHARE_ACQUIRE_MODES = ['record_limit', 'batch_optimized'] as const;
export type ShareAcquireMode = (typeof SHARE_ACQUIRE_MODES)[number];

/**
 * The broker's ceiling on a group's `share.partition.max.record.locks`
 * (`group.share.max.partition.max.record.locks`, default 4000): records of one
 * partition that the group's consumers may hold acquired at once.
 */
export const MAX_RECORD_LOCKS = 4_000;

export interface ShareSettings {
  acquireMode: ShareAcquireMode;
  /** Consumer properties beyond the bootstrap, group, client id and explicit acknowledgement. */
  consumer: Record<string, string>;
  /** Share-group configs, set on the group before its consumers start. */
  group: Record<string, string>;
}

/** The settings as one line, for the report. */
export function describeShare(settings: ShareSettings): string {
  return Object.entries({
    'share.acquire.mode': settings.acquireMode,
    ...settings.consumer,
    ...settings.group,
  })
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export interface ShareGroupOptions {
  classpath: string;
  brokers: string[];
  topic: string;
  group: string;
  /** Consumer threads per JVM, each its own KafkaShareConsumer. */
  threads: number;
  handlerMs: number;
  settings: ShareSettings;
  log(line: string): void;
}

const HEAP_MB = 256;

/**
 * Sets the group's share-group configs (one JVM of java/ShareConsume.java, which also
 * checks that the cluster's share.version lets share groups run), then returns a
 * launcher of its consumer JVMs and what the configuring JVM said.
 */
export async function prepareShareGroup(
  options: ShareGroupOptions,
): Promise<{ launch: ConsumerLauncher; note: string }> {
  const configure = [
    ...kafkaJvmArgs(HEAP_MB),
    '-cp',
    options.classpath,
    'ShareConsume',
    ...['--mode', 'configure', '--bootstrap', options.brokers.join(','), '--group', options.group],
    ...Object.entries(options.settings.group).flatMap(([k, v]) => ['--group-config', `${k}=${v}`]),
  ];
  let stdout: string;
  try {
    ({ stdout } = await run(javaCommand(), configure, { timeout: 120_000 }));
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`configuring share group ${options.group} failed:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
  const said = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { note?: string };
  return { launch: shareGroupConsumers(options), note: said.note ?? stdout.trim() };
}

/** Starts JVMs of the bench's share-group consumer, each `threads` consumers. */
function shareGroupConsumers(options: ShareGroupOptions): ConsumerLauncher {
  return (i, onReport) => {
    const settings = options.settings;
    const args = [
      ...kafkaJvmArgs(HEAP_MB),
      '-cp',
      options.classpath,
      'ShareConsume',
      ...['--bootstrap', options.brokers.join(','), '--topic', options.topic],
      ...['--group', options.group, '--id', `${options.group}-${i}`],
      ...['--threads', String(options.threads), '--handler-ms', String(options.handlerMs)],
      ...Object.entries({
        'share.acquire.mode': settings.acquireMode,
        ...settings.consumer,
      }).flatMap(([k, v]) => ['--consumer', `${k}=${v}`]),
    ];
    const child = spawn(javaCommand(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) onReport(JSON.parse(line) as ConsumerReport);
      else options.log(`share consumer ${i}: ${line}`);
    });
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      // A JVM that already exited cannot be told to stop; its exit is what the run waits for.
      if (error.code !== 'EPIPE') options.log(`share consumer ${i}: stdin: ${error.message}`);
    });
    return { child, stop: () => child.stdin.end('stop\n') };
  };
}

const warmUps = new Map<string, Promise<string>>();

/**
 * Runs one share group through a few thousand records, untimed, once per bench run and
 * broker: the first share group a broker serves also creates its share-state topic and
 * runs its share code for the first time (a first measured group took about 3× as
 * long as the next ones), while kf's and the other peers' paths are warm from the
 * scenarios before. Resolves to what configuring its group said (the cluster's
 * `share.version`), a note for the report that holds for every share group of the run.
 */
export function warmUpShareGroups(ctx: BenchContext): Promise<string> {
  let warm = warmUps.get(ctx.runId);
  if (!warm) {
    warm = (async () => {
      const topic = `bench-share-warm-up-${ctx.runId}`;
      const messages = 5_000;
      ctx.log('share groups: an untimed warm-up run on the broker');
      await preload(ctx, { topic, partitions: 1, count: messages, size: 100 });
      const share = await prepareShareGroup({
        classpath: required(ctx.shareClasspath, 'the share-group consumer'),
        brokers: ctx.brokers,
        topic,
        group: `bench-share-warm-up-${ctx.runId}`,
        threads: 8,
        handlerMs: 0,
        settings: {
          acquireMode: 'record_limit',
          consumer: {},
          group: { 'share.auto.offset.reset': 'earliest' },
        },
        log: ctx.log,
      });
      const note = `share groups: ${share.note} (the warm-up group's)`;
      ctx.log(note);
      await runConsumers({ processes: 1, launch: share.launch, target: messages, capMs: 60_000 });
      return note;
    })();
    warmUps.set(ctx.runId, warm);
  }
  return warm;
}
