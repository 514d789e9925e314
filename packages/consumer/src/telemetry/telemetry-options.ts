/*
 * The providers below are declared by the methods kf calls, not imported from
 * `@opentelemetry/api`: that package is an optional peer, and kf's declarations must
 * type-check in a project without it (`skipLibCheck: false`). OpenTelemetry's own
 * providers and propagators — the API's globals, the SDK's — fit them.
 */

/** An OpenTelemetry `MeterProvider`: kf asks it for its meter. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string, options?: { schemaUrl?: string }): unknown;
}

/** An OpenTelemetry `TracerProvider`: kf asks it for its tracer. */
export interface TracerProviderLike {
  getTracer(name: string, version?: string, options?: { schemaUrl?: string }): unknown;
}

/** An OpenTelemetry `TextMapPropagator`: kf extracts a record's trace context with it. */
export interface TextMapPropagatorLike {
  extract(context: unknown, carrier: unknown, getter: unknown): unknown;
}

/**
 * Where a node's metrics and traces go. Each defaults to OpenTelemetry's global one,
 * read once when the node is created: install the SDK before `createNode`. With no SDK
 * installed (or without `@opentelemetry/api`, an optional peer) the node records
 * nothing and wraps nothing.
 */
export interface TelemetryOptions {
  /** Receives kf's metrics (see docs/observability.md). Default: the global meter provider. */
  meterProvider?: MeterProviderLike;
  /** Receives one `process` span per call of user code. Default: the global tracer provider. */
  tracerProvider?: TracerProviderLike;
  /**
   * Reads a record's trace context from its headers (the parent of its `process` span,
   * or a link of its batch's). Default: the global propagator, which the SDK's usual
   * setup makes W3C Trace Context (`traceparent`).
   */
  propagator?: TextMapPropagatorLike;
}
