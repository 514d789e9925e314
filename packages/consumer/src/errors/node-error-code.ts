/** The stable codes of the node's own errors, beside the Kafka port's. */
export const NodeErrorCode = {
  HandlerTimeout: 'KF_HANDLER_TIMEOUT',
  NodeClosed: 'KF_NODE_CLOSED',
  NodeStart: 'KF_NODE_START_FAILED',
} as const;

export type NodeErrorCode = (typeof NodeErrorCode)[keyof typeof NodeErrorCode];
