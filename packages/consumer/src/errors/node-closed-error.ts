import { KfError } from '@kf/protocol';
import { NodeErrorCode } from './node-error-code.js';

/** The node was asked to do something after `close()` began. */
export class NodeClosedError extends KfError {
  readonly name = 'NodeClosedError';
  readonly code = NodeErrorCode.NodeClosed;
  constructor(operation: string) {
    super(`${operation}: the node is closed`);
  }
}
