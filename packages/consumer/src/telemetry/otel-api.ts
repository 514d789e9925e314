import type * as Api from '@opentelemetry/api';

/** The `@opentelemetry/api` module, reached only at run time and only when installed. */
export type OtelApi = typeof Api;

const SPECIFIER = '@opentelemetry/api';

let loading: Promise<OtelApi | undefined> | undefined;

/**
 * The OpenTelemetry API when the application installed it, `undefined` when it did not:
 * it is an optional peer, so nothing imports it statically. A dynamic import works in
 * both builds (the CommonJS one turns it into a `require` inside a promise); any other
 * failure to load it is thrown, not taken for its absence.
 */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (api) => api,
    (error: unknown) => {
      if (isNotInstalled(error)) return undefined;
      throw error;
    },
  );
  return loading;
}

function isNotInstalled(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${SPECIFIER}'`)
  );
}
