import { KfError } from '@kf/protocol';
import { NodeErrorCode } from './node-error-code.js';

/**
 * One call of user code (a message with `eachMessage`, a batch with `eachBatch`) ran
 * past `handlerTimeoutMs`. The attempt fails from the record in hand and is retried;
 * user code gets the same error through its `signal`. A slow handler that keeps making
 * progress never meets it: the limit is per call, not per unit.
 */
export class HandlerTimeoutError extends KfError {
  readonly name = 'HandlerTimeoutError';
  readonly code = NodeErrorCode.HandlerTimeout;
  constructor(
    readonly unitId: string,
    /** The first offset of the records user code held. */
    readonly offset: number,
    readonly timeoutMs: number,
  ) {
    super(
      `user code on offset ${offset} of unit ${unitId} ran past handlerTimeoutMs (${timeoutMs} ms)`,
    );
  }
}
