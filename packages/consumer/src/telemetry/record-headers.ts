import type { RecordHeader } from '@kf/protocol';
import type { TextMapGetter } from '@opentelemetry/api';

/**
 * Reads a propagator's fields (`traceparent`, `tracestate`) straight from a record's
 * headers, without building a map per record. A key that repeats gives its first value.
 */
export const recordHeaderGetter: TextMapGetter<readonly RecordHeader[]> = {
  keys: (headers) => headers.map((header) => header.key),
  get(headers, key) {
    for (const header of headers) {
      if (header.key === key) return header.value?.toString('utf8');
    }
    return undefined;
  },
};
