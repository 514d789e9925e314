export { scriptArgs, withDryRun } from './cli-args.js';
export { connectionLine } from './describe-info.js';
export { DevstackStartError, DevstackToolMissingError } from './errors.js';
export {
  type KafkaBrokerInfo,
  type KafkaInfo,
  type KafkaService,
  type KafkaStartOptions,
  startKafka,
} from './kafka/cluster.js';
export { ensureKafkaJars, kafkaLibDir, kafkaVersion } from './kafka/jars.js';
export type { KafkaCredentials, KafkaSecureInfo } from './kafka/secure-listeners.js';
export {
  KAFKA_TOOLS,
  type KafkaToolName,
  type KafkaToolOptions,
  runKafkaTool,
} from './kafka/tools.js';
export { type CreateTopicOptions, createTopic, kafkaClient } from './kafka/topics.js';
export type { ManagedProcess, ProcessInfo } from './managed-process.js';
export {
  DEFAULT_NODE_VERSION,
  ensureNodeBinary,
  NodeBinaryError,
  type NodeBinaryOptions,
  nodeBinaryPath,
  nodePackageName,
} from './node-binary.js';
export {
  ensureNodeLine,
  isNodeLine,
  NEWEST_LTS_LINE,
  NODE_LINES,
  type NodeLine,
  NPM_VERSION,
} from './node-lines.js';
export { cacheHome } from './paths.js';
export { liveRegisteredProcesses, type RegisteredProcess } from './pid-registry.js';
export { isAlive } from './process-liveness.js';
export {
  type ClusterNodeInfo,
  type ClusterStartOptions,
  masterOf,
  type RedisCluster,
  type RedisClusterInfo,
  readTopology,
  startRedisCluster,
} from './redis/cluster.js';
export { type HostPort, type ProbeCredentials, parseInfo, withRedis } from './redis/probe.js';
export { processServing } from './redis/process-serving.js';
export {
  type RedisSentinel,
  type RedisSentinelInfo,
  type SentinelStartOptions,
  startRedisSentinel,
} from './redis/sentinel.js';
export {
  type RedisSingle,
  type RedisSingleInfo,
  type SingleStartOptions,
  startRedisSingle,
} from './redis/single.js';
export {
  generateTlsMaterial,
  type TlsClientOptions,
  type TlsFiles,
  type TlsMaterial,
} from './redis/tls-certs.js';
export {
  SERVICE_KINDS,
  type ServiceDescription,
  type ServiceHandle,
  type ServiceKind,
  type StartOptions,
} from './service.js';
export { type KafkaSmoke, smokeKafka } from './smoke/kafka-smoke.js';
export {
  type ClusterSmoke,
  type SentinelSmoke,
  type SingleSmoke,
  smokeCluster,
  smokeSentinel,
  smokeSingle,
} from './smoke/redis-smoke.js';
export { type SmokeResult, smokeService, startService } from './stack.js';
export { startTogether } from './start-together.js';
export { waitUntil } from './wait-until.js';
