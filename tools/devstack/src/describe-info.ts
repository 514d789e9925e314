import type { KafkaInfo } from './kafka/cluster.js';
import type { RedisClusterInfo } from './redis/cluster.js';
import type { RedisSentinelInfo } from './redis/sentinel.js';
import type { RedisSingleInfo } from './redis/single.js';
import type { ServiceKind } from './service.js';

/** One line saying how to reach a service, as a user would paste it into a config. */
export function connectionLine(kind: ServiceKind, info: unknown): string {
  switch (kind) {
    case 'single':
      return (info as RedisSingleInfo).url;
    case 'cluster':
      return (info as RedisClusterInfo).nodes
        .map((n) => `${n.host}:${n.port}${n.role === 'master' ? '(m)' : ''}`)
        .join(' ');
    case 'sentinel': {
      const s = info as RedisSentinelInfo;
      return `${s.masterName} @ ${s.sentinels.map((a) => `${a.host}:${a.port}`).join(' ')}`;
    }
    case 'kafka':
    case 'kafka3': {
      const k = info as KafkaInfo;
      return `${k.brokers.join(',')} (Kafka ${k.version})`;
    }
  }
}
