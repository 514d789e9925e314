import { KfError } from '@kf/protocol';
import { NodeErrorCode } from './node-error-code.js';

/**
 * A unit took longer than `unitTimeoutMs` (fetches and user code together). The attempt
 * fails and the unit is retried; user code gets the same error through its `signal`.
 */
export class UnitTimeoutError extends KfError {
  readonly name = 'UnitTimeoutError';
  readonly code = NodeErrorCode.UnitTimeout;
  constructor(
    readonly unitId: string,
    readonly timeoutMs: number,
  ) {
    super(`unit ${unitId} did not finish within unitTimeoutMs (${timeoutMs} ms)`);
  }
}
