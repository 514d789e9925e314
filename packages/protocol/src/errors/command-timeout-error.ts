import { ErrorCode, KfError } from './kf-error.js';

/** A command got no reply within the adapter's command timeout. */
export class CommandTimeoutError extends KfError {
  readonly name = 'CommandTimeoutError';
  readonly code = ErrorCode.CommandTimeout;
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Redis ${command} got no reply within ${timeoutMs} ms`, options);
  }
}
