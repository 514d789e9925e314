import { ErrorCode, KfError } from './kf-error.js';

/** The connection is closed: `close()` was called, or the driver gave up reconnecting. */
export class ConnectionClosedError extends KfError {
  readonly name = 'ConnectionClosedError';
  readonly code = ErrorCode.ConnectionClosed;
}
