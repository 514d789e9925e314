import { ErrorCode, KfError } from './kf-error.js';

/** The config asks for a Redis adapter whose package is not installed. */
export class AdapterNotInstalledError extends KfError {
  readonly name = 'AdapterNotInstalledError';
  readonly code = ErrorCode.AdapterNotInstalled;
  constructor(
    /** The package to add, for example `@kf/redis-cluster`. */
    readonly packageName: string,
    /** What in the config asked for it, for example `a cluster (redis.host lists 3 nodes)`. */
    readonly wantedFor: string,
    options?: { cause?: unknown },
  ) {
    super(
      `kf needs ${packageName} for ${wantedFor}, but it is not installed: add it with \`npm install ${packageName}\` (or pnpm add / yarn add)`,
      options,
    );
  }
}
