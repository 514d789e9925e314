import { ErrorCode, KfError } from './kf-error.js';

/**
 * A Redis Cluster kept redirecting a command (MOVED/ASK, or CLUSTERDOWN during a
 * fail-over) beyond the adapter's redirection limit.
 */
export class ClusterRedirectError extends KfError {
  readonly name = 'ClusterRedirectError';
  readonly code = ErrorCode.ClusterRedirectExhausted;
  constructor(
    readonly command: string,
    options?: { cause?: unknown },
  ) {
    super(`Redis Cluster redirections exhausted for ${command}`, options);
  }
}
