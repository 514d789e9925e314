import {
  createLeaderLock,
  createNodeLeases,
  groupKeys,
  type KfConfigInput,
  parseConfig,
  type RedisFactory,
} from '@kf/core';
import {
  type KafkaAccess,
  KafkaErrorCode,
  type KafkaFactory,
  type Logger,
  redactingLogger,
  silentLogger,
} from '@kf/protocol';
import { connectRedis } from '../connect/connect-redis.js';
import { withDeadline } from '../connect/deadline.js';
import { kafkaFromConfig } from '../connect/kafka-from-config.js';
import { NodeStartError } from '../errors/node-start-error.js';
import { repeatLimitedLogger } from '../logging/repeat-limited-logger.js';
import { LeadershipKeeper } from '../organiser/leadership.js';
import { Organiser } from '../organiser/organiser.js';
import { setUpTelemetry } from '../telemetry/node-telemetry.js';
import type { TelemetryOptions } from '../telemetry/telemetry-options.js';
import { createErrorList } from './error-list.js';
import { KfNode } from './kf-node.js';
import { defaultNodeId } from './node-id.js';
import { checkRedisVersion } from './redis-version.js';
import { checkTopics } from './topics.js';

export interface CreateNodeOptions extends TelemetryOptions {
  /** Builds the Redis client instead of the adapter the config's shape picks. */
  redisFactory?: RedisFactory;
  /** pino-shaped; silent when omitted. Credentials are masked before it sees anything. */
  logger?: Logger;
  /** Aborting it closes the node, as `close()` does. */
  signal?: AbortSignal;
  /** This node's id in the group; default host-pid-random, unique per process. */
  nodeId?: string;
  /** A Kafka access port to use instead of the one built from the config. */
  kafka?: KafkaAccess;
  /**
   * Builds the Kafka access from the config's `kafka` section instead of the client
   * `kafka.client` names, as `redisFactory` does for Redis. The node closes what it returns.
   */
  kafkaFactory?: KafkaFactory;
  /**
   * How long the start may wait for each of Redis and Kafka, in turn. Default 15000 ms.
   * A failed start closes what it opened before it throws.
   */
  startTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;

/**
 * Joins a consumer group: validates the config (a `ConfigError` naming the field,
 * before any connection), connects to Redis and Kafka (a `NodeStartError` naming which
 * could not be reached, after waiting up to `startTimeoutMs` for each), registers the node and its topics,
 * and starts organising. Call `run()` or iterate the node to consume.
 */
export async function createNode(
  input: KfConfigInput,
  topics: string[],
  options: CreateNodeOptions = {},
): Promise<KfNode> {
  const config = parseConfig(input);
  const wanted = checkTopics(topics);
  const secrets = [config.redis.password, config.kafka.sasl?.password].filter(
    (s): s is string => s !== undefined,
  );
  // A condition that persists (Redis or a broker away) is logged once and then at a
  // bounded rate with a count, whichever part of kf or its drivers reports it.
  const logger = repeatLimitedLogger(redactingLogger(options.logger ?? silentLogger, secrets));
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const nodeId = options.nodeId ?? defaultNodeId();
  const telemetry = await setUpTelemetry(options, {
    groupName: config.redis.groupName,
    nodeId,
  });

  const redis = await connectRedis(config.redis, {
    redisFactory: options.redisFactory,
    logger,
    timeoutMs,
  }).catch((error: unknown) => {
    const detail = error instanceof Error ? error.message : String(error);
    throw new NodeStartError('redis', `is not reachable: ${detail}`, { cause: error });
  });
  const keys = groupKeys(config.redis.groupName);
  try {
    await withDeadline(checkRedisVersion(redis, keys, logger), timeoutMs, 'no answer to INFO');
  } catch (error) {
    await redis.close().catch((closeError: unknown) => {
      logger.warn({ err: closeError }, 'closing Redis after its version check failed');
    });
    if (error instanceof NodeStartError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new NodeStartError('redis', `is not reachable: ${detail}`, { cause: error });
  }
  let kafka: KafkaAccess;
  try {
    kafka = options.kafka ?? (await kafkaFromConfig(config, logger, options.kafkaFactory));
  } catch (error) {
    await redis.close().catch((closeError: unknown) => {
      logger.warn({ err: closeError }, 'closing Redis after the Kafka client could not be built');
    });
    throw error;
  }
  try {
    await reachKafka(kafka, wanted, logger, timeoutMs);
  } catch (error) {
    await Promise.allSettled([kafka.close(), redis.close()]);
    throw error;
  }

  const leases = createNodeLeases(redis, { group: keys.group, ttlMs: config.conf.leaseTtlMs });
  const lock = createLeaderLock(redis, {
    group: keys.group,
    ttlMs: config.conf.leaderLockTtlMs,
    holder: nodeId,
  });
  const node = new KfNode({
    config,
    nodeId,
    redis,
    kafka,
    keys,
    leases,
    errors: createErrorList(redis, keys, config.conf.ordering),
    logger,
    ...(telemetry === undefined ? {} : { instrument: telemetry.instrument }),
    organiser: (context) =>
      new Organiser({
        ...context,
        leadership: new LeadershipKeeper(lock, {
          nodeId,
          ttlMs: config.conf.leaderLockTtlMs,
          events: context.events,
        }),
        leases,
        groupId: config.kafka.groupId,
      }),
  });
  telemetry?.observe(node, { redis, keys, kafka, isolation: config.kafka.isolation, logger });
  try {
    await node.start(wanted);
  } catch (error) {
    await node.close({ timeoutMs: 0 });
    throw new NodeStartError('redis', 'refused to register the node', { cause: error });
  }
  if (options.signal) {
    if (options.signal.aborted) await node.close();
    else options.signal.addEventListener('abort', () => void node.close(), { once: true });
  }
  return node;
}

/** Loads metadata once: proof the brokers answer. A topic not created yet is no error. */
async function reachKafka(
  kafka: KafkaAccess,
  topics: string[],
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  try {
    await withDeadline(
      kafka.refreshMetadata(topics),
      timeoutMs,
      'did not answer a metadata request',
    );
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.UnknownTopicOrPartition) {
      logger.debug({ topics }, 'a topic does not exist yet; it is consumed once it does');
      return;
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new NodeStartError('kafka', `is not reachable: ${detail}`, { cause: error });
  }
}
