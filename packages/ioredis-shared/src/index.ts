// Private to the ioredis adapters: bundled into @kf/redis-single and @kf/redis-cluster
// by tsup, so users install one adapter and nothing else.

export { type Logger, redactingLogger, silentLogger } from '@kf/protocol';
export {
  type ClientAdapterOptions,
  type CommonRedisOptions,
  DEFAULT_COMMAND_TIMEOUT_MS,
  reconnectDelay,
  secretsOf,
} from './connection-options.js';
export { type AdapterParts, IoredisAdapter } from './ioredis-adapter.js';
