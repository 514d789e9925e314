/** What the example's node processes tell the app over IPC. */
export type NodeMessage =
  | { type: 'running'; nodeId: string }
  | { type: 'batch'; ids: number[]; latenciesMs: number[] }
  | { type: 'closed'; errorListed: number };

/** What the app tells a node process. */
export type AppMessage = { type: 'close' };

/** The spec a node process is started with (its one argument, as JSON). */
export interface NodeSpec {
  nodeId: string;
  brokers: string[];
  redis: string;
  group: string;
  topic: string;
  concurrency: number;
  /** Serve this node's metrics in Prometheus format on this port; none when absent. */
  metricsPort?: number;
}

/** A message's value: its id and when it was produced, for the latency figures. */
export interface Payload {
  id: number;
  sentAt: number;
}
