import { execFile } from 'node:child_process';
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
}

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
}): Promise<PerfResult> {
  const args = [
    ...kafkaJvmArgs(512),
    '-cp',
    options.libs,
    'org.apache.kafka.tools.ConsumerPerformance',
    ...['--bootstrap-server', options.brokers.join(',')],
    ...['--topic', options.topic, '--group', options.group],
    ...['--num-records', String(options.messages), '--timeout', '60000'],
  ];
  let stdout: string;
  try {
    ({ stdout } = await run(javaCommand(), args, {
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }));
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
  const field = (name: string) => {
    const value = Number(cells[names.indexOf(name)]);
    if (!Number.isFinite(value)) throw new Error(`ConsumerPerformance: no ${name} in:\n${stdout}`);
    return value;
  };
  return {
    msgsPerSec: field('nMsg.sec'),
    fetchMsgsPerSec: field('fetch.nMsg.sec'),
    mbPerSec: field('MB.sec'),
    messages: field('data.consumed.in.nMsg'),
    rebalanceMs: field('rebalance.time.ms'),
  };
}
