import { hostname, userInfo } from 'node:os';
import {
  formatAddress,
  groupKeys,
  type KfConfig,
  type KfConfigInput,
  parseConfig,
  type RedisConfig,
  type RedisFactory,
} from '@kf/core';
import {
  type KafkaAccess,
  KafkaErrorCode,
  type KafkaFactory,
  type Logger,
  redact,
  redactingLogger,
  silentLogger,
} from '@kf/protocol';
import { connectRedis } from '../connect/connect-redis.js';
import { withDeadline } from '../connect/deadline.js';
import { kafkaFromConfig } from '../connect/kafka-from-config.js';
import { GroupAdminError, GroupAdminErrorCode } from './group-admin-error.js';
import { type GroupErrors, groupErrors } from './group-errors.js';
import { type GroupLag, readGroupLag } from './group-lag.js';
import { groupPause, type PauseResult, type ResumeResult } from './group-pause.js';
import { type GroupStatus, readGroupStatus } from './group-status.js';
import { type OffsetResetRequest, type OffsetResetResult, resetOffsets } from './offset-reset.js';
import { resetPauseTtlMs } from './reset-pause.js';

export interface GroupAdminOptions {
  /** Builds the Redis client instead of the adapter the config's shape picks. */
  redisFactory?: RedisFactory;
  /** pino-shaped; silent when omitted. Credentials are masked before it sees anything. */
  logger?: Logger;
  /** A Kafka access port to use instead of the one built from the config. */
  kafka?: KafkaAccess;
  /** Builds the Kafka access instead of the client `kafka.client` names (see `createNode`). */
  kafkaFactory?: KafkaFactory;
  /** How long Redis, and Kafka when first needed, may take to answer. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Who acts, written in the pause note; default `user@host`. */
  actor?: string;
}

/**
 * Operates one consumer group from outside it: reads its state and progress, works its
 * error list, moves its saved offsets, pauses and resumes it. Safe while the group's
 * nodes run. Kafka is connected only by the calls that need it (`lag`, `resetOffsets`).
 */
export interface GroupAdmin {
  readonly group: string;
  /** Leader lock, epoch, pause, nodes and their units in flight, list lengths, topics. */
  status(): Promise<GroupStatus>;
  /** Per partition of the group's topics (or of `topics`): log end, watermarks, units, lag. */
  lag(options?: { topics?: string[] }): Promise<GroupLag>;
  /** The group's error list. */
  readonly errors: GroupErrors;
  /**
   * Moves the saved offsets of a topic (or one of its partitions) to `to`. A dry run
   * unless `dryRun: false`; then the group is paused around one script that sets the
   * offsets and drops the queued units of those partitions (reported), only if the saved
   * offsets are still those read when the reset was planned (else `KF_ADMIN_OFFSETS_MOVED`,
   * nothing changed); units already claimed keep running. The reset's pause lapses on its
   * own after three Redis command timeouts plus 5 s, should the reset never lift it.
   */
  resetOffsets(request: OffsetResetRequest): Promise<OffsetResetResult>;
  /**
   * Pauses the group: the leader schedules nothing new; queued units still run. A
   * running offsets reset's temporary pause is taken over (`tookOver`): the group stays
   * paused after that reset.
   */
  pause(): Promise<PauseResult>;
  /** Lifts the pause, whoever set it. */
  resume(): Promise<ResumeResult>;
  /** Closes the Redis and Kafka connections it opened. */
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Validates the config as `createNode` does (a `ConfigError` naming each wrong field),
 * connects to Redis and checks it answers (a `GroupAdminError` with code
 * `KF_ADMIN_UNREACHABLE` when it does not), and returns the group's admin.
 */
export async function openGroupAdmin(
  input: KfConfigInput,
  options: GroupAdminOptions = {},
): Promise<GroupAdmin> {
  const config = parseConfig(input);
  const secrets = [config.redis.password, config.kafka.sasl?.password].filter(
    (s): s is string => s !== undefined,
  );
  const logger = redactingLogger(options.logger ?? silentLogger, secrets);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const actor = options.actor ?? defaultActor();
  const keys = groupKeys(config.redis.groupName);
  const redis = await connectRedis(config.redis, {
    redisFactory: options.redisFactory,
    logger,
    timeoutMs,
  }).catch((error: unknown) => {
    throw new GroupAdminError(
      GroupAdminErrorCode.Unreachable,
      `Redis at ${redisAddress(config.redis)} is not reachable: ${detail(error, secrets)}`,
      { cause: error },
    );
  });

  let kafka: Promise<KafkaAccess> | undefined;
  const ownsKafka = options.kafka === undefined;
  const kafkaFor = (topics: string[]): Promise<KafkaAccess> => {
    kafka ??= (async () => {
      const built = options.kafka ?? (await kafkaFromConfig(config, logger, options.kafkaFactory));
      return reachKafka(built, config, topics, { timeoutMs, secrets, owned: ownsKafka, logger });
    })().catch((error: unknown) => {
      kafka = undefined; // the next call tries again
      throw error;
    });
    return kafka;
  };
  const isolation = config.kafka.isolation;
  const pause = groupPause(redis, keys);
  const resetPause = { control: pause, by: actor, ttlMs: resetPauseTtlMs(config.redis) };

  return {
    group: keys.group,
    status: () => readGroupStatus(redis, keys),
    async lag(lagOptions = {}) {
      const topics = lagOptions.topics ?? (await redis.setMembers(keys.topics));
      // A group with no topics has no lag: Kafka need not be reachable to say so.
      if (topics.length === 0) return { group: keys.group, topics: [] };
      return readGroupLag(redis, keys, await kafkaFor(topics), isolation, topics);
    },
    errors: groupErrors(redis, keys, config.conf.ordering),
    async resetOffsets(request) {
      const access = await kafkaFor([request.topic]);
      return resetOffsets(redis, keys, access, isolation, resetPause, request);
    },
    pause: () => pause.pause(actor),
    resume: () => pause.resume(),
    async close() {
      const opened = kafka;
      kafka = undefined;
      await Promise.allSettled([
        redis.close(),
        ownsKafka && opened ? opened.then((k) => k.close()) : Promise.resolve(),
      ]);
    },
  };
}

/** The Kafka port once the brokers answered a metadata request; a missing topic is no error. */
async function reachKafka(
  kafka: KafkaAccess,
  config: KfConfig,
  topics: string[],
  options: { timeoutMs: number; secrets: string[]; owned: boolean; logger: Logger },
): Promise<KafkaAccess> {
  try {
    await withDeadline(
      kafka.refreshMetadata(topics),
      options.timeoutMs,
      'no answer to a metadata request',
    );
    return kafka;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === KafkaErrorCode.UnknownTopicOrPartition) {
      return kafka;
    }
    if (options.owned) {
      await kafka.close().catch((closeError: unknown) => {
        options.logger.warn({ err: closeError }, 'closing Kafka after it did not answer');
      });
    }
    const brokers = config.bootstrapBrokers.map(formatAddress).join(', ');
    throw new GroupAdminError(
      GroupAdminErrorCode.Unreachable,
      `Kafka at ${brokers} is not reachable: ${detail(error, options.secrets)}`,
      { cause: error },
    );
  }
}

function redisAddress(redis: RedisConfig): string {
  switch (redis.topology) {
    case 'single':
      return formatAddress(redis);
    case 'cluster':
      return redis.nodes.map(formatAddress).join(', ');
    case 'sentinel':
      return `${redis.masterName} through sentinels ${redis.sentinels.map(formatAddress).join(', ')}`;
  }
}

function detail(error: unknown, secrets: string[]): string {
  return redact(error instanceof Error ? error.message : String(error), secrets);
}

function defaultActor(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    // No user entry for this uid (a container's): the host still says where.
    return `kf@${hostname()}`;
  }
}
