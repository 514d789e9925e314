// One kf node in its own process. The app forks several; each joins the same group
// and reports what it consumed. A batch is reported before the handler returns, so a
// unit is completed only after the app holds its messages.
import { createNode } from '@kf/consumer';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { AppMessage, NodeMessage, NodeSpec, Payload } from './messages.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as NodeSpec;

function send(message: NodeMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send?.(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** With a port, OpenTelemetry's metrics SDK, read by a Prometheus endpoint on that port. */
function prometheusMetrics(port: number | undefined): MeterProvider | undefined {
  if (port === undefined) return undefined;
  const exporter = new PrometheusExporter({ port }, (error) => {
    if (error) process.stderr.write(`node ${spec.nodeId}: metrics on port ${port}: ${error}\n`);
  });
  return new MeterProvider({ readers: [exporter] });
}

const meterProvider = prometheusMetrics(spec.metricsPort);

const node = await createNode(
  {
    bootstrapBrokers: spec.brokers,
    redis: { host: [spec.redis], groupName: spec.group },
    conf: { useEarliest: true, concurrency: spec.concurrency },
  },
  [spec.topic],
  { nodeId: spec.nodeId, ...(meterProvider === undefined ? {} : { meterProvider }) },
);

let closing: Promise<void> | undefined;
function close(): Promise<void> {
  closing ??= (async () => {
    // The group's error list, read while the connection is still open.
    const errorListed = await node.errors.count();
    await node.close();
    await meterProvider?.shutdown();
    await send({ type: 'closed', errorListed });
    process.exit(0);
  })();
  return closing;
}
process.on('message', (message: AppMessage) => {
  if (message.type === 'close') void close();
});
process.on('SIGTERM', () => void close());
process.on('SIGINT', () => void close());

node.on('error', (error) => process.stderr.write(`node ${spec.nodeId}: ${error.message}\n`));

await node.run({
  eachBatch: async ({ batch }) => {
    const now = Date.now();
    const ids: number[] = [];
    const latenciesMs: number[] = [];
    for (const message of batch.messages) {
      const payload = JSON.parse(String(message.value)) as Payload;
      ids.push(payload.id);
      latenciesMs.push(now - payload.sentAt);
    }
    await send({ type: 'batch', ids, latenciesMs });
  },
});
await send({ type: 'running', nodeId: spec.nodeId });
