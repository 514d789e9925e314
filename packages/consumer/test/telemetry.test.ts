import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import {
  context as contextApi,
  SpanKind,
  SpanStatusCode,
  trace as traceApi,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { KfNode } from '../src/index.js';
import { useGroupNodes } from './support/group-nodes.js';
import { produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

/** A reader the test collects from when it wants, not on a timer. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A meter provider and a tracer provider of the real SDK, recording in memory. */
function sdk() {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  return {
    options: { meterProvider, tracerProvider, propagator: new W3CTraceContextPropagator() },
    spans: () => spans.getFinishedSpans(),
    /** Every metric collected now, by name. */
    async metrics(): Promise<Map<string, MetricData>> {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      return new Map(all.map((m) => [m.descriptor.name, m]));
    },
    shutdown: () => Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]),
  };
}

type Attrs = Record<string, unknown>;

function points(metrics: Map<string, MetricData>, name: string): Array<DataPoint<unknown>> {
  return (metrics.get(name)?.dataPoints ?? []) as Array<DataPoint<unknown>>;
}

function matching(point: DataPoint<unknown>, attrs: Attrs): boolean {
  return Object.entries(attrs).every(([k, v]) => point.attributes[k] === v);
}

/** The sum of a counter's or gauge's points whose attributes include `attrs`. */
function total(metrics: Map<string, MetricData>, name: string, attrs: Attrs = {}): number {
  return points(metrics, name)
    .filter((p) => matching(p, attrs))
    .reduce((sum, p) => sum + (p.value as number), 0);
}

/** How many values a histogram recorded on points whose attributes include `attrs`. */
function recorded(metrics: Map<string, MetricData>, name: string, attrs: Attrs = {}): number {
  return points(metrics, name)
    .filter((p) => matching(p, attrs))
    .reduce((sum, p) => sum + (p.value as Histogram).count, 0);
}

function unitOf(metrics: Map<string, MetricData>, name: string): string | undefined {
  return metrics.get(name)?.descriptor.unit;
}

/** A W3C `traceparent` of a fresh trace, and its ids. */
function traceparent() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

const ATTEMPT_BACKOFF_MS = 10;
// 20 ids round-robin over two partitions, and one traced message more on partition 0.
const P0_MESSAGES = 11;
const P1_MESSAGES = 10;

const execFileAsync = promisify(execFile);
// Each script starts a process, two nodes, and consumes three messages: about 2 s on the
// 2-core development machine. The bound only ends a failing run, within vitest's 60 s.
const CHILD_TIMEOUT_MS = 25_000;
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * A folder where the built @kf/consumer is installed with its dependencies and kafkajs,
 * and without @opentelemetry/api: nothing above it has a node_modules, so the module is
 * truly unresolvable from the package, as for a user who did not install it.
 */
async function installedWithoutOtelApi(): Promise<string> {
  if (!existsSync(join(PACKAGE_DIR, 'dist', 'index.cjs'))) {
    throw new Error('this test loads the built package: run `pnpm --filter @kf/consumer build`');
  }
  const dir = await mkdtemp(join(tmpdir(), 'kf-without-otel-api-'));
  const installed = join(dir, 'node_modules', '@kf', 'consumer');
  await mkdir(installed, { recursive: true });
  await cp(join(PACKAGE_DIR, 'dist'), join(installed, 'dist'), { recursive: true });
  await cp(join(PACKAGE_DIR, 'package.json'), join(installed, 'package.json'));
  const manifest = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  const wanted = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)];
  for (const name of wanted.filter((n) => n !== '@opentelemetry/api')) {
    const link = join(dir, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(await realpath(join(PACKAGE_DIR, 'node_modules', name)), link, 'dir');
  }
  return dir;
}

// Both print { apiResolved, rejected, seen }: whether @opentelemetry/api resolves from
// the package, what createNode said when given a meter provider, and what one node consumed.
const ESM_SCRIPT = `
import { createRequire } from 'node:module';
import { createNode } from '@kf/consumer';
const { config, topic, expected } = JSON.parse(process.argv[2]);
let apiResolved = true;
try { createRequire(import.meta.resolve('@kf/consumer')).resolve('@opentelemetry/api'); } catch { apiResolved = false; }
const rejected = await createNode(config, [topic], { meterProvider: {} }).then(
  async (n) => { await n.close(); return 'created'; },
  (error) => error.message,
);
const node = await createNode(config, [topic]);
const seen = [];
await node.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); } });
const deadline = Date.now() + 15000;
while (seen.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
await node.close();
console.log(JSON.stringify({ apiResolved, rejected, seen: seen.sort() }));
process.exit(0);
`;

const CJS_SCRIPT = `
const { createNode } = require('@kf/consumer');
const { config, topic, expected } = JSON.parse(process.argv[2]);
(async () => {
  let apiResolved = true;
  try { require.resolve('@opentelemetry/api', { paths: [require.resolve('@kf/consumer')] }); } catch { apiResolved = false; }
  const rejected = await createNode(config, [topic], { meterProvider: {} }).then(
    async (n) => { await n.close(); return 'created'; },
    (error) => error.message,
  );
  const node = await createNode(config, [topic]);
  const seen = [];
  await node.run({ eachMessage: async ({ message }) => { seen.push(String(message.value)); } });
  const deadline = Date.now() + 15000;
  while (seen.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await node.close();
  console.log(JSON.stringify({ apiResolved, rejected, seen: seen.sort() }));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('OpenTelemetry metrics and traces of a node, through the real SDK', () => {
  const stack = useKafkaRedis({ redis: () => startRedisSingle(), clientId: 'kf-telemetry-test' });
  const { config, node, topic } = useGroupNodes(stack, {
    prefix: 'telemetry-test',
    conf: { useEarliest: true },
  });
  const sdks: Array<ReturnType<typeof sdk>> = [];
  const recording = () => {
    const made = sdk();
    sdks.push(made);
    return made;
  };
  // The user code's own spans find the process span through the active context, which
  // needs a context manager: the SDK's Node setup registers this one.
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    contextApi.setGlobalContextManager(contextManager.enable());
  });
  afterAll(() => {
    contextManager.disable();
    contextApi.disable();
  });
  afterEach(async () => {
    await Promise.all(sdks.splice(0).map((s) => s.shutdown()));
  });

  test('eachMessage: counts match what was produced, one process span per message (its parent the traceparent it carried), lag and work list on the leader only', async () => {
    const t = await topic('telemetry-each-message', 2);
    const ids = await produceIds(stack.producer, t, { count: 20, partitions: 2 });
    const traced = traceparent();
    await stack.producer.send({
      topic: t,
      acks: -1,
      messages: [{ partition: 0, value: 'traced', headers: { traceparent: traced.header } }],
    });
    const perPartition = [P0_MESSAGES, P1_MESSAGES];
    const produced = ids.length + 1;
    const conf = config({ consumeStep: 4 });
    const leaderSdk = recording();
    const leader = await node(conf, [t], leaderSdk.options);
    await until(waitUntil, () => leader.status().leader, 'the first node leads');
    const followerSdk = recording();
    const follower = await node(conf, [t], followerSdk.options);

    // Scheduled, not consumed (no node runs): the lag is every message, none settled.
    const offsetsKey = `kf:{${conf.redis.groupName}}:offsets`;
    await until(
      waitUntil,
      async () => {
        const saved = await withRedis(stack.redis.info, (c) => c.hgetall(offsetsKey));
        return saved[`${t}/0`] === String(P0_MESSAGES) && saved[`${t}/1`] === String(P1_MESSAGES);
      },
      'the leader scheduled every message',
    );
    const before = await leaderSdk.metrics();
    for (const p of [0, 1]) {
      const at = {
        'messaging.destination.name': t,
        'messaging.destination.partition.id': String(p),
      };
      expect(total(before, 'kf.consumer.partition.lag', at)).toBe(perPartition[p]);
      expect(total(before, 'kf.consumer.partition.completed_offset', at)).toBe(0);
    }
    const scheduled = total(before, 'kf.consumer.units.scheduled');
    expect(scheduled).toBeGreaterThanOrEqual(2);
    expect(total(before, 'kf.consumer.work_list.length')).toBe(scheduled);
    expect(unitOf(before, 'kf.consumer.partition.lag')).toBe('{message}');

    const onFollower = await followerSdk.metrics();
    expect(points(onFollower, 'kf.consumer.partition.lag')).toEqual([]);
    expect(points(onFollower, 'kf.consumer.work_list.length')).toEqual([]);
    expect(
      total(onFollower, 'kf.consumer.leader', { 'messaging.client.id': follower.nodeId }),
    ).toBe(0);

    const activeSpanAt = new Map<string, string | undefined>();
    let completedMessages = 0;
    leader.on('unitCompleted', (e) => {
      completedMessages += e.messages;
    });
    await leader.run({
      eachMessage: async ({ message }) => {
        activeSpanAt.set(
          `${message.partition}/${message.offset}`,
          traceApi.getActiveSpan()?.spanContext().spanId,
        );
      },
    });
    await until(
      waitUntil,
      () => completedMessages === produced && leader.status().inFlight === 0,
      'every message completed',
    );

    const after = await leaderSdk.metrics();
    const group = {
      'messaging.system': 'kafka',
      'messaging.consumer.group.name': conf.redis.groupName,
    };
    expect(total(after, 'messaging.client.consumed.messages', group)).toBe(produced);
    for (const p of [0, 1]) {
      const at = {
        'messaging.destination.name': t,
        'messaging.destination.partition.id': String(p),
      };
      expect(total(after, 'messaging.client.consumed.messages', at)).toBe(perPartition[p]);
      expect(total(after, 'kf.consumer.partition.lag', at)).toBe(0);
      expect(total(after, 'kf.consumer.partition.completed_offset', at)).toBe(perPartition[p]);
    }
    expect(unitOf(after, 'messaging.client.consumed.messages')).toBe('{message}');
    expect(
      recorded(after, 'messaging.process.duration', { 'messaging.operation.name': 'process' }),
    ).toBe(produced);
    expect(unitOf(after, 'messaging.process.duration')).toBe('s');
    expect(recorded(after, 'kf.consumer.message.latency')).toBe(produced);
    expect(total(after, 'kf.consumer.units.claimed')).toBe(scheduled);
    expect(total(after, 'kf.consumer.units.completed')).toBe(scheduled);
    expect(recorded(after, 'kf.consumer.unit.duration')).toBe(scheduled);
    // At least one fetch per unit; more when a fetch finds nothing yet.
    expect(
      recorded(after, 'messaging.client.operation.duration', {
        'messaging.operation.name': 'fetch',
      }),
    ).toBeGreaterThanOrEqual(scheduled);
    expect(total(after, 'kf.consumer.units.failed')).toBe(0);
    expect(
      total(after, 'kf.consumer.leadership.changes', { 'kf.leadership.change': 'gained' }),
    ).toBe(1);
    expect(total(after, 'kf.consumer.work_list.length')).toBe(0);
    const self = { 'messaging.client.id': leader.nodeId };
    expect(total(after, 'kf.consumer.leader', self)).toBe(1);
    expect(
      points(after, 'kf.consumer.units.in_flight').filter((p) => matching(p, self)),
    ).toHaveLength(1);
    expect(total(after, 'kf.consumer.units.in_flight', self)).toBe(0);

    const spans = leaderSdk.spans();
    expect(spans).toHaveLength(produced);
    const offsets = new Map<string, number[]>();
    for (const span of spans) {
      expect(span.name).toBe(`process ${t}`);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes).toMatchObject({
        ...group,
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': t,
        'messaging.client.id': leader.nodeId,
      });
      const partition = span.attributes['messaging.destination.partition.id'] as string;
      const offset = span.attributes['messaging.kafka.offset'] as number;
      offsets.set(
        partition,
        [...(offsets.get(partition) ?? []), offset].sort((a, b) => a - b),
      );
      // User code ran inside its span.
      expect(activeSpanAt.get(`${partition}/${offset}`)).toBe(span.spanContext().spanId);
    }
    expect(offsets.get('0')).toEqual([...Array(P0_MESSAGES).keys()]);
    expect(offsets.get('1')).toEqual([...Array(P1_MESSAGES).keys()]);
    const children = spans.filter((s) => s.parentSpanContext !== undefined);
    expect(children).toHaveLength(1);
    const child = children[0] as ReadableSpan;
    expect(child.spanContext().traceId).toBe(traced.traceId);
    expect(child.parentSpanContext?.spanId).toBe(traced.spanId);
    expect(child.attributes['messaging.kafka.offset']).toBe(P0_MESSAGES - 1);
  });

  test('eachBatch: one span per batch linking the traces its records carry; a throw marks its span and counts a requeued unit', async () => {
    const t = await topic('telemetry-each-batch', 1);
    const parents = Array.from({ length: 5 }, () => traceparent());
    await stack.producer.send({
      topic: t,
      acks: -1,
      messages: parents.map((p, i) => ({ value: `m-${i}`, headers: { traceparent: p.header } })),
    });
    const conf = config({
      retryBackoffMs: ATTEMPT_BACKOFF_MS,
      maxRetryBackoffMs: ATTEMPT_BACKOFF_MS,
    });
    const recorder = recording();
    const n: KfNode = await node(conf, [t], recorder.options);
    const seen = new Set<string>();
    let firstBatch = 0;
    await n.run({
      eachBatch: async ({ batch }) => {
        if (firstBatch === 0) {
          firstBatch = batch.messages.length;
          throw new Error('the first call fails');
        }
        for (const m of batch.messages) seen.add(String(m.value));
      },
    });
    await until(
      waitUntil,
      () => seen.size === parents.length,
      'every message delivered after the retry',
    );
    await until(waitUntil, () => n.status().inFlight === 0, 'the unit settled');

    const spans = recorder.spans();
    for (const span of spans) {
      expect(span.name).toBe(`process ${t}`);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.attributes['messaging.kafka.offset']).toBeUndefined();
    }
    const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes['error.type']).toBe('Error');
    expect(failed[0]?.events.map((e) => e.name)).toEqual(['exception']);
    expect(failed[0]?.attributes['messaging.batch.message_count']).toBe(firstBatch);
    const succeeded = spans.filter((s) => s.status.code !== SpanStatusCode.ERROR);
    const batchTotal = succeeded.reduce(
      (sum, s) => sum + (s.attributes['messaging.batch.message_count'] as number),
      0,
    );
    expect(batchTotal).toBe(parents.length);
    const linked = succeeded.flatMap((s) =>
      s.links.map((l) => `${l.context.traceId}/${l.context.spanId}`),
    );
    expect(linked.sort()).toEqual(parents.map((p) => `${p.traceId}/${p.spanId}`).sort());

    const metrics = await recorder.metrics();
    expect(total(metrics, 'kf.consumer.units.failed', { 'kf.unit.outcome': 'requeued' })).toBe(1);
    expect(total(metrics, 'kf.consumer.units.failed')).toBe(1);
    expect(recorded(metrics, 'messaging.process.duration', { 'error.type': 'Error' })).toBe(1);
    expect(recorded(metrics, 'messaging.process.duration')).toBe(spans.length);
    // Once per call: the age of the batch's first record.
    expect(recorded(metrics, 'kf.consumer.message.latency')).toBe(spans.length);
    // The failed call's messages were handed to user code too.
    expect(total(metrics, 'messaging.client.consumed.messages')).toBe(parents.length + firstBatch);
  });

  test('for await: one process span per message, from taking it to asking for the next, its parent the traceparent it carried', async () => {
    const t = await topic('telemetry-iterator', 1);
    const parents = Array.from({ length: 3 }, () => traceparent());
    await stack.producer.send({
      topic: t,
      acks: -1,
      messages: parents.map((p, i) => ({ value: `m-${i}`, headers: { traceparent: p.header } })),
    });
    const recorder = recording();
    const n: KfNode = await node(config(), [t], recorder.options);
    const seen: string[] = [];
    for await (const message of n) {
      seen.push(String(message.value));
      if (seen.length === parents.length) break;
    }
    // Three small units run side by side: the order of delivery is not the log's.
    expect(seen.sort()).toEqual(['m-0', 'm-1', 'm-2']);
    const offset = (s: ReadableSpan) => s.attributes['messaging.kafka.offset'] as number;
    const spans = recorder.spans().sort((a, b) => offset(a) - offset(b));
    expect(spans.map(offset)).toEqual([0, 1, 2]);
    expect(spans.map((s) => `${s.spanContext().traceId}/${s.parentSpanContext?.spanId}`)).toEqual(
      parents.map((p) => `${p.traceId}/${p.spanId}`),
    );
    for (const span of spans) {
      expect(span.name).toBe(`process ${t}`);
      expect(span.kind).toBe(SpanKind.CONSUMER);
    }
    const metrics = await recorder.metrics();
    expect(recorded(metrics, 'messaging.process.duration')).toBe(parents.length);
  });

  test('the built package without @opentelemetry/api installed loads and consumes, from ESM and from CommonJS, and names the missing module when given a provider', async () => {
    const t = await topic('telemetry-without-api', 1);
    const ids = await produceIds(stack.producer, t, { count: 3, partitions: 1 });
    const dir = await installedWithoutOtelApi();
    try {
      for (const [file, source] of [
        ['consume.mjs', ESM_SCRIPT],
        ['consume.cjs', CJS_SCRIPT],
      ] as const) {
        await writeFile(join(dir, file), source);
        const input = JSON.stringify({ config: config(), topic: t, expected: ids.length });
        const { stdout } = await execFileAsync(process.execPath, [join(dir, file), input], {
          cwd: dir,
          // pnpm's NODE_PATH points at its hoisted store, where CommonJS would find the module.
          env: { ...process.env, NODE_PATH: '' },
          timeout: CHILD_TIMEOUT_MS,
        }).catch((error: { stdout?: string; stderr?: string }) => {
          throw new Error(
            `${file} failed: ${error}\nstdout: ${error.stdout}\nstderr: ${error.stderr}`,
          );
        });
        expect(JSON.parse(stdout), file).toEqual({
          apiResolved: false,
          rejected: expect.stringContaining(
            'meterProvider given, but @opentelemetry/api cannot be loaded',
          ),
          seen: [...ids].sort(),
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
