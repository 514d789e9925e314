import type { KafkaClientName } from '@kf/core';
import type { RedisSingle } from '@kf/devstack';
import { createTopic } from '@kf/devstack';
import { afterEach } from 'vitest';
import { type CreateNodeOptions, createNode, type KfNode } from '../../src/index.js';
import { kafkaClientUnderTest } from './kafka-client-under-test.js';
import type { KafkaRedisStack } from './stack.js';

/** A config for one fresh group on the stack's Redis and Kafka. */
export interface GroupConfig {
  bootstrapBrokers: string[];
  redis: { host: string; port: number; groupName: string } & Record<string, unknown>;
  conf: Record<string, unknown>;
  kafka?: { client?: KafkaClientName } & Record<string, unknown>;
}

export interface GroupNodes {
  /** A config for a group no other test used; `conf` over the file's defaults. */
  config(conf?: Record<string, unknown>, redis?: Record<string, unknown>): GroupConfig;
  /** A node, closed after the test. */
  node(config: GroupConfig, topics: string[], options?: CreateNodeOptions): Promise<KfNode>;
  /** A topic of `partitions` partitions, created now. */
  topic(name: string, partitions: number): Promise<string>;
}

/**
 * The nodes of a test file on one Redis and one Kafka: each test gets groups of its own,
 * and every node it made is closed after it, before the stack stops.
 */
export function useGroupNodes(
  stack: KafkaRedisStack<RedisSingle>,
  options: { prefix: string; conf?: Record<string, unknown> },
): GroupNodes {
  const nodes: KfNode[] = [];
  let groupNo = 0;
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close({ timeoutMs: 2_000 })));
  });
  return {
    config(conf = {}, redis = {}) {
      groupNo += 1;
      return {
        bootstrapBrokers: stack.kafka.info.brokers,
        redis: {
          host: stack.redis.info.host,
          port: stack.redis.info.port,
          groupName: `${options.prefix}-${groupNo}`,
          ...redis,
        },
        conf: { ...options.conf, ...conf },
        kafka: { client: kafkaClientUnderTest() },
      };
    },
    async node(config, topics, nodeOptions = {}) {
      const n = await createNode(config, topics, nodeOptions);
      nodes.push(n);
      return n;
    },
    async topic(name, partitions) {
      await createTopic(stack.kafka.info.brokers, { topic: name, partitions });
      return name;
    },
  };
}
