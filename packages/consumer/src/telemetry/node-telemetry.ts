import type {
  Attributes,
  Meter,
  MeterProvider,
  TextMapPropagator,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import type { Delivery } from '../worker/run-unit.js';
import { type DeliveryInstruments, instrumentDelivery } from './instrumented-delivery.js';
import { createInstruments, type Instruments } from './instruments.js';
import { countNodeEvents, type NodeEventSource } from './node-events-metrics.js';
import { type GaugeSources, observeNodeGauges } from './node-gauges.js';
import { loadOtelApi, type OtelApi } from './otel-api.js';
import { PartitionAttributes } from './partition-attributes.js';
import { processCalls } from './process-calls.js';
import { Attr, SCOPE } from './semconv.js';
import type { TelemetryOptions } from './telemetry-options.js';

/** A node's telemetry, once an SDK (or a provider given) will take what it records. */
export interface NodeTelemetry {
  /** The node's delivery with spans and per-message metrics around user code. */
  instrument(delivery: Delivery): Delivery;
  /** Counts the node's events and observes its gauges, for as long as it runs. */
  observe(node: NodeEventSource & GaugeSources['node'], sources: Omit<GaugeSources, 'node'>): void;
}

// Instruments are made once per meter: nodes of one process share them, as the SDK
// would share their streams anyway.
const instrumentsByMeter = new WeakMap<Meter, Instruments>();

/**
 * The node's telemetry, or `undefined` when there is nowhere to send it: then nothing
 * is subscribed or wrapped, and a node costs what it did without telemetry.
 */
export async function setUpTelemetry(
  options: TelemetryOptions,
  identity: { groupName: string; nodeId: string },
): Promise<NodeTelemetry | undefined> {
  const api = await loadOtelApi();
  if (api === undefined) {
    const given = (['meterProvider', 'tracerProvider', 'propagator'] as const).filter(
      (name) => options[name] !== undefined,
    );
    if (given.length > 0) {
      throw new TypeError(
        `createNode: ${given.join(', ')} given, but @opentelemetry/api cannot be loaded from @kf/consumer: install it beside @kf/consumer`,
      );
    }
    return undefined;
  }
  // The options' providers are OpenTelemetry's, declared by shape (telemetry-options.ts).
  const meter = meterOf(api, options.meterProvider as MeterProvider | undefined);
  const tracer = tracerOf(
    api,
    (options.tracerProvider as TracerProvider | undefined) ?? api.trace.getTracerProvider(),
  );
  if (meter === undefined && tracer === undefined) return undefined;

  const group: Attributes = {
    [Attr.system]: 'kafka',
    [Attr.consumerGroup]: identity.groupName,
  };
  const processing = { ...group, [Attr.operationName]: 'process', [Attr.operationType]: 'process' };
  const partitions = new PartitionAttributes(group);
  const processAttributes = new PartitionAttributes(processing);
  const instruments = meter === undefined ? undefined : instrumentsOf(meter);
  const deliveryInstruments: DeliveryInstruments = {
    calls: processCalls({
      api,
      ...(tracer === undefined ? {} : { tracer }),
      propagator: (options.propagator as TextMapPropagator | undefined) ?? api.propagation,
      ...(instruments === undefined ? {} : { duration: instruments.processDuration }),
      metricAttributes: processAttributes,
      spanAttributes: new PartitionAttributes({
        ...processing,
        [Attr.clientId]: identity.nodeId,
      }),
    }),
    ...(instruments === undefined
      ? {}
      : {
          handed: {
            consumed: instruments.consumedMessages,
            consumedAttributes: processAttributes,
            latency: instruments.messageLatency,
            latencyAttributes: partitions,
          },
          fetches: {
            duration: instruments.fetchDuration,
            attributes: new PartitionAttributes({
              ...group,
              [Attr.operationName]: 'fetch',
              [Attr.operationType]: 'receive',
            }),
          },
        }),
  };
  return {
    instrument: (delivery) => instrumentDelivery(delivery, deliveryInstruments),
    observe(node, sources) {
      if (meter === undefined || instruments === undefined) return;
      countNodeEvents(node, instruments, { group, partitions });
      observeNodeGauges(
        meter,
        instruments,
        { ...sources, node },
        { group, node: { ...group, [Attr.clientId]: identity.nodeId }, partitions },
      );
    },
  };
}

/** The meter, unless the provider is OpenTelemetry's no-op one (no SDK installed). */
function meterOf(api: OtelApi, provider: MeterProvider | undefined): Meter | undefined {
  const meter = (provider ?? api.metrics.getMeterProvider()).getMeter(SCOPE);
  return meter === api.createNoopMeter() ? undefined : meter;
}

/**
 * The tracer, unless the provider is the no-op one: the global provider is a proxy
 * whose delegate stays the no-op provider until an SDK registers.
 */
function tracerOf(api: OtelApi, provider: TracerProvider): Tracer | undefined {
  const delegate = provider instanceof api.ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate === new api.ProxyTracerProvider().getDelegate()
    ? undefined
    : provider.getTracer(SCOPE);
}

function instrumentsOf(meter: Meter): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (instruments === undefined) {
    instruments = createInstruments(meter);
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}
