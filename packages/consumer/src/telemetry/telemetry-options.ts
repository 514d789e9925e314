import type { MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';

/**
 * Where a node's metrics and traces go. Each defaults to OpenTelemetry's global one,
 * read once when the node is created: install the SDK before `createNode`. With no SDK
 * installed (or without `@opentelemetry/api`, an optional peer) the node records
 * nothing and wraps nothing.
 */
export interface TelemetryOptions {
  /** Receives kf's metrics (see docs/observability.md). Default: the global meter provider. */
  meterProvider?: MeterProvider;
  /** Receives one `process` span per call of user code. Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /**
   * Reads a record's trace context from its headers (the parent of its `process` span,
   * or a link of its batch's). Default: the global propagator, which the SDK's usual
   * setup makes W3C Trace Context (`traceparent`).
   */
  propagator?: TextMapPropagator;
}
