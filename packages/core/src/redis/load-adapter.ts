import { AdapterNotInstalledError } from '@kf/protocol';
import type { AdapterChoice, AdapterPackage } from './adapter-choice.js';

export type AdapterImporter = (packageName: AdapterPackage) => Promise<unknown>;

/**
 * Loads an adapter package only when a config asks for it. Each specifier is a literal
 * so bundlers and Vite see it; in the CommonJS build tsup turns `import()` into
 * `require`, so both builds load the package the way their runtime can.
 */
export const importAdapter: AdapterImporter = (packageName) => {
  switch (packageName) {
    case '@kf/redis-single':
      return import('@kf/redis-single');
    case '@kf/redis-cluster':
      return import('@kf/redis-cluster');
    case '@kf/redis-node-redis':
      return import('@kf/redis-node-redis');
  }
};

/**
 * The adapter's factory function. A missing adapter, or a missing driver it needs,
 * becomes an `AdapterNotInstalledError` naming the package to install; any other
 * failure to load is rethrown as it is.
 */
export async function loadAdapterFactory(
  choice: AdapterChoice,
  importer: AdapterImporter = importAdapter,
): Promise<(options: unknown) => unknown> {
  let module: unknown;
  try {
    module = await importer(choice.packageName);
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === choice.packageName) {
      throw new AdapterNotInstalledError(choice.packageName, choice.wantedFor, { cause: error });
    }
    if (missing === choice.driver) {
      throw new AdapterNotInstalledError(
        choice.driver,
        `${choice.packageName}, which ${choice.wantedFor} needs`,
        { cause: error },
      );
    }
    throw error;
  }
  const factory = (module as Record<string, unknown> | null)?.[choice.factoryName];
  if (typeof factory !== 'function') {
    throw new TypeError(
      `${choice.packageName} does not export ${choice.factoryName}: install the version released with @kf/core`,
    );
  }
  return factory as (options: unknown) => unknown;
}

const NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * The package a module-not-found error is about, from Node's messages: ESM says
 * `Cannot find package 'x' imported from …`, CommonJS `Cannot find module 'x'`.
 */
export function missingPackage(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !NOT_FOUND_CODES.has(code) || typeof message !== 'string') {
    return undefined;
  }
  const specifier = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if (specifier === undefined) return undefined;
  return packageOf(specifier);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; a file path stays. */
function packageOf(specifier: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}
