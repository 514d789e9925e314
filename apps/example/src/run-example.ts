import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { AppMessage, NodeMessage, NodeSpec, Payload } from './messages.js';

export interface ExampleOptions {
  brokers: string[];
  /** `host:port` of a Redis server. */
  redis: string;
  group: string;
  topic: string;
  partitions: number;
  messages: number;
  nodes: number;
  concurrency: number;
  /** Messages produced per second; 0 for as fast as the broker takes them. */
  rate: number;
  timeoutMs: number;
  /**
   * Node `i` serves its metrics in Prometheus format on port `metricsPort + i`
   * (`/metrics`); 0 serves none.
   */
  metricsPort: number;
  /** Called about once a second while the run lasts. */
  onProgress(progress: Progress): void;
  /** Aborting it ends the run early: the nodes close gracefully and the report says so. */
  signal?: AbortSignal;
}

export interface Progress {
  elapsedMs: number;
  produced: number;
  consumed: number;
}

export interface Report {
  produced: number;
  consumed: number;
  distinct: number;
  duplicates: number;
  missing: number;
  perNode: Array<{ nodeId: string; consumed: number }>;
  errorListed: number;
  elapsedMs: number;
  msgsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** `complete`, or why the run ended before every message arrived. */
  ending: 'complete' | 'timeout' | 'interrupted';
}

const NODE_SCRIPT = fileURLToPath(new URL('./node-process.js', import.meta.url));

/**
 * Runs the example: creates the topic, starts `nodes` node processes on one group,
 * produces `messages` while they run, and waits until each message arrived (or the
 * time is up, or `signal` aborts), then closes the nodes gracefully and reports.
 */
export async function runExample(options: ExampleOptions): Promise<Report> {
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: 'kf-example',
    logLevel: logLevel.NOTHING,
  });
  await createTopic(kafka, options.topic, options.partitions);
  const seen = new Map<number, number>();
  const perNode = new Map<string, number>();
  const latencies: number[] = [];
  let consumed = 0;
  let produced = 0;
  let errorListed = 0;
  const children = Array.from({ length: options.nodes }, (_, i) => {
    const spec: NodeSpec = {
      nodeId: `example-${process.pid}-${i}`,
      brokers: options.brokers,
      redis: options.redis,
      group: options.group,
      topic: options.topic,
      concurrency: options.concurrency,
      ...(options.metricsPort > 0 ? { metricsPort: options.metricsPort + i } : {}),
    };
    perNode.set(spec.nodeId, 0);
    const child = fork(NODE_SCRIPT, [JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const running = new Promise<void>((resolve, reject) => {
      child.on('message', (message: NodeMessage) => {
        if (message.type === 'running') resolve();
        else if (message.type === 'batch') {
          consumed += message.ids.length;
          perNode.set(spec.nodeId, (perNode.get(spec.nodeId) ?? 0) + message.ids.length);
          for (const id of message.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
          latencies.push(...message.latenciesMs);
        } else if (message.type === 'closed') errorListed = message.errorListed;
      });
      child.once('exit', (code) =>
        reject(new Error(`node ${spec.nodeId} exited with ${code} before it ran`)),
      );
    });
    return { child, running };
  });
  const started = Date.now();
  let ending: Report['ending'] = 'complete';
  try {
    await Promise.all(children.map((c) => c.running));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const progress = setInterval(
      () => options.onProgress({ elapsedMs: Date.now() - started, produced, consumed }),
      1_000,
    );
    try {
      await produce(producer, options, (n) => {
        produced = n;
      });
      ending = options.signal?.aborted
        ? 'interrupted'
        : await waitForAll(() => seen.size >= produced, options);
    } finally {
      clearInterval(progress);
      await producer.disconnect();
    }
  } finally {
    await Promise.all(children.map(({ child }) => closeChild(child)));
  }
  const elapsedMs = Date.now() - started;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    produced,
    consumed,
    distinct: seen.size,
    duplicates: consumed - seen.size,
    missing: produced - seen.size,
    perNode: [...perNode].map(([nodeId, count]) => ({ nodeId, consumed: count })),
    errorListed,
    elapsedMs,
    msgsPerSecond: Math.round((seen.size / elapsedMs) * 1_000),
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    ending,
  };
}

async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function produce(
  producer: ReturnType<Kafka['producer']>,
  options: ExampleOptions,
  onSent: (produced: number) => void,
): Promise<void> {
  const batch = 500;
  const started = Date.now();
  let sent = 0;
  while (sent < options.messages && !options.signal?.aborted) {
    const count = Math.min(batch, options.messages - sent);
    const messages = Array.from({ length: count }, (_, i) => {
      const payload: Payload = { id: sent + i, sentAt: Date.now() };
      return { key: String(payload.id), value: JSON.stringify(payload) };
    });
    await producer.send({ topic: options.topic, acks: -1, messages });
    sent += count;
    onSent(sent);
    if (options.rate > 0) {
      const due = started + (sent / options.rate) * 1_000;
      await sleep(Math.max(0, due - Date.now()));
    }
  }
}

async function waitForAll(done: () => boolean, options: ExampleOptions): Promise<Report['ending']> {
  const deadline = Date.now() + options.timeoutMs;
  while (!done()) {
    if (options.signal?.aborted) return 'interrupted';
    if (Date.now() > deadline) return 'timeout';
    await sleep(20);
  }
  return 'complete';
}

/** Asks a node to close gracefully; kills it if it has not exited within 20 s. */
async function closeChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'close' } satisfies AppMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
