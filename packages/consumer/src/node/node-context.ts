import type { ConsumerConf, GroupKeys } from '@kf/core';
import type { IRedis, Logger } from '@kf/protocol';
import type { Isolation, KafkaAccess } from '../kafka/kafka-access.js';
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
