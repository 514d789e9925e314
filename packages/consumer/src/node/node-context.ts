import type { ConsumerConf, GroupKeys } from '@kf/core';
import type { IRedis, Isolation, KafkaAccess, Logger } from '@kf/protocol';
import type { EventSink } from './node-events.js';

/** What a node's organiser and workers share: its connections, settings and reporting. */
export interface NodeContext {
  redis: IRedis;
  keys: GroupKeys;
  kafka: KafkaAccess;
  conf: ConsumerConf;
  isolation: Isolation;
  nodeId: string;
  logger: Logger;
  events: EventSink;
}
