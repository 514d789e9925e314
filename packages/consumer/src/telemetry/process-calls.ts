import type { KafkaRecord } from '@kf/protocol';
import type {
  Attributes,
  Context,
  Histogram,
  Link,
  Span,
  TextMapPropagator,
  Tracer,
} from '@opentelemetry/api';
import type { UnitInfo } from '../worker/message.js';
import type { OtelApi } from './otel-api.js';
import type { PartitionAttributes } from './partition-attributes.js';
import { recordHeaderGetter } from './record-headers.js';
import { Attr, errorType } from './semconv.js';

/**
 * Runs each call of user code inside its `process` span and times it. The span is
 * active while user code runs, so spans it starts are its children.
 */
export interface ProcessCalls {
  /** One call of `eachMessage`: its span's parent is the trace the record's headers carry. */
  message(unit: UnitInfo, record: KafkaRecord, call: () => Promise<void>): Promise<void>;
  /** One call of `eachBatch`: its span links to the trace each record's headers carry. */
  batch(unit: UnitInfo, records: readonly KafkaRecord[], call: () => Promise<void>): Promise<void>;
}

export interface ProcessCallsOptions {
  api: OtelApi;
  /** No spans without one. */
  tracer?: Tracer;
  /** Reads a record's trace context from its headers. */
  propagator: Pick<TextMapPropagator, 'extract'>;
  /** `messaging.process.duration`; not recorded without one. */
  duration?: Histogram;
  /** The duration's attributes. */
  metricAttributes: PartitionAttributes;
  /** The span's attributes, before those of the message or batch. */
  spanAttributes: PartitionAttributes;
}

export function processCalls(options: ProcessCallsOptions): ProcessCalls {
  const { api, tracer, propagator, duration } = options;
  const { ROOT_CONTEXT } = api;
  const extract = (record: KafkaRecord) =>
    propagator.extract(ROOT_CONTEXT, record.headers, recordHeaderGetter);

  /** Runs `call` (in `active` when given) and ends `span` and the timing with its outcome. */
  const run = (
    unit: UnitInfo,
    span: Span | undefined,
    active: Context | undefined,
    call: () => Promise<void>,
  ): Promise<void> => {
    const started = performance.now();
    let work: Promise<void>;
    try {
      work = active === undefined ? call() : api.context.with(active, call);
    } catch (error) {
      work = Promise.reject(error);
    }
    // A failure is boxed: user code may reject with `undefined`.
    const finish = (failure?: { error: unknown }) => {
      const error = failure?.error;
      if (span !== undefined) {
        if (failure !== undefined) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({
            code: api.SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          span.setAttribute(Attr.errorType, errorType(error));
        }
        span.end();
      }
      if (duration !== undefined) {
        const attributes = options.metricAttributes.of(unit.topic, unit.partition);
        duration.record(
          (performance.now() - started) / 1_000,
          failure === undefined
            ? attributes
            : { ...attributes, [Attr.errorType]: errorType(error) },
        );
      }
    };
    return work.then(
      () => finish(),
      (error: unknown) => {
        finish({ error });
        throw error;
      },
    );
  };

  const start = (
    spans: Tracer,
    unit: UnitInfo,
    attributes: Attributes,
    parent: Context,
    links?: Link[],
  ) =>
    spans.startSpan(
      `process ${unit.topic}`,
      { kind: api.SpanKind.CONSUMER, attributes, ...(links === undefined ? {} : { links }) },
      parent,
    );

  return {
    message(unit, record, call) {
      if (tracer === undefined) return run(unit, undefined, undefined, call);
      const parent = extract(record);
      const span = start(
        tracer,
        unit,
        {
          ...options.spanAttributes.of(unit.topic, unit.partition),
          [Attr.offset]: record.offset,
          [Attr.redelivered]: unit.redelivered,
          ...(record.value === null ? { [Attr.tombstone]: true } : {}),
        },
        parent,
      );
      return run(unit, span, api.trace.setSpan(parent, span), call);
    },
    batch(unit, records, call) {
      if (tracer === undefined) return run(unit, undefined, undefined, call);
      const links: Link[] = [];
      for (const record of records) {
        const context = api.trace.getSpanContext(extract(record));
        if (context !== undefined && api.isSpanContextValid(context)) links.push({ context });
      }
      const span = start(
        tracer,
        unit,
        {
          ...options.spanAttributes.of(unit.topic, unit.partition),
          [Attr.batchMessageCount]: records.length,
          [Attr.redelivered]: unit.redelivered,
        },
        ROOT_CONTEXT,
        links,
      );
      return run(unit, span, api.trace.setSpan(ROOT_CONTEXT, span), call);
    },
  };
}
