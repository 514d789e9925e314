import { KfError } from '@kf/protocol';
import { NodeErrorCode } from './node-error-code.js';

/**
 * `createNode` could not reach Redis or Kafka. `service` says which; `cause` holds the
 * adapter's or the Kafka port's typed error. Nothing is left open.
 */
export class NodeStartError extends KfError {
  readonly name = 'NodeStartError';
  readonly code = NodeErrorCode.NodeStart;
  constructor(
    readonly service: 'redis' | 'kafka',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the node could not start: ${service} ${detail}`, options);
  }
}
