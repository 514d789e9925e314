import { type ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { javaCommand, kafkaJvmArgs } from './java.js';

const run = promisify(execFile);

/** What Kafka's ConsumerPerformance prints of one run, by its own column names. */
export interface PerfResult {
  /** `nMsg.sec`: messages over its whole run, the group join included. */
  msgsPerSec: number;
  /** `fetch.nMsg.sec`: messages over the time after the join, fetching only. */
  fetchMsgsPerSec: number;
  /** `MB.sec`. */
  mbPerSec: number;
  messages: number;
  /** `rebalance.time.ms`: the join. */
  rebalanceMs: number;
  /** `start.time` and `end.time`, epoch ms: the span `nMsg.sec` is over. */
  startMs: number;
  endMs: number;
}

/** ISO 8601 with the zone, for `start.time` and `end.time`: read back whatever the JVM's zone. */
const DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

/**
 * Runs Kafka's own consumer benchmark, `org.apache.kafka.tools.ConsumerPerformance`
 * (`bin/kafka-consumer-perf-test.sh`, one KafkaConsumer in one JVM, its defaults), on
 * `messages` records of `topic` as a fresh group, as its script runs it (heap 512 MiB).
 */
export async function consumerPerformance(options: {
  libs: string;
  brokers: string[];
  topic: string;
  group: string;
  messages: number;
  /** Called with the JVM's process once it is started. */
  onSpawn?: (child: ChildProcess) => void;
}): Promise<PerfResult> {
  const args = [
    ...kafkaJvmArgs(512),
    '-cp',
    options.libs,
    'org.apache.kafka.tools.ConsumerPerformance',
    ...['--bootstrap-server', options.brokers.join(',')],
    ...['--topic', options.topic, '--group', options.group],
    ...['--num-records', String(options.messages), '--timeout', '60000'],
    ...['--date-format', DATE_FORMAT],
  ];
  let stdout: string;
  try {
    const running = run(javaCommand(), args, {
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    options.onSpawn?.(running.child);
    ({ stdout } = await running);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`ConsumerPerformance failed:\n${stdout}${stderr}`, { cause: error });
  }
  return parsePerf(stdout);
}

/** Its output: a header line of column names, then one line of values, comma-separated. */
export function parsePerf(stdout: string): PerfResult {
  const lines = stdout.split('\n').filter((l) => l.includes(','));
  const header = lines.findIndex((l) => l.includes('nMsg.sec'));
  const values = lines[header + 1];
  if (header < 0 || !values) throw new Error(`ConsumerPerformance printed no figures:\n${stdout}`);
  const names = (lines[header] as string).split(',').map((n) => n.trim());
  const cells = values.split(',').map((v) => v.trim());
  const read = (name: string, parse: (cell: string) => number) => {
    const cell = cells[names.indexOf(name)];
    const value = cell ? parse(cell) : Number.NaN;
    if (!Number.isFinite(value)) throw new Error(`ConsumerPerformance: no ${name} in:\n${stdout}`);
    return value;
  };
  const field = (name: string) => read(name, Number);
  const time = (name: string) => read(name, Date.parse);
  return {
    msgsPerSec: field('nMsg.sec'),
    fetchMsgsPerSec: field('fetch.nMsg.sec'),
    mbPerSec: field('MB.sec'),
    messages: field('data.consumed.in.nMsg'),
    rebalanceMs: field('rebalance.time.ms'),
    startMs: time('start.time'),
    endMs: time('end.time'),
  };
}
