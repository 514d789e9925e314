import { startKafka } from './kafka/cluster.js';
import { startRedisCluster } from './redis/cluster.js';
import { startRedisSentinel } from './redis/sentinel.js';
import { startRedisSingle } from './redis/single.js';
import type { ServiceHandle, ServiceKind, StartOptions } from './service.js';
import { smokeKafka } from './smoke/kafka-smoke.js';
import { smokeCluster, smokeSentinel, smokeSingle } from './smoke/redis-smoke.js';

/** Starts one service of the devstack by its CLI name. */
export function startService(
  kind: ServiceKind,
  options: StartOptions = {},
): Promise<ServiceHandle<unknown>> {
  switch (kind) {
    case 'single':
      return startRedisSingle(options);
    case 'cluster':
      return startRedisCluster(options);
    case 'sentinel':
      return startRedisSentinel(options);
    case 'kafka':
      return startKafka({ ...options, brokers: 1 });
    case 'kafka3':
      return startKafka({ ...options, brokers: 3 });
  }
}

export interface SmokeResult {
  passed: boolean;
  summary: string;
  detail: unknown;
}

/** Runs a service's smoke check and judges it: each check proves the service is real. */
export async function smokeService(kind: ServiceKind, info: unknown): Promise<SmokeResult> {
  switch (kind) {
    case 'single': {
      const r = await smokeSingle(info as Parameters<typeof smokeSingle>[0]);
      return { passed: r.read === r.written, summary: 'SET/GET round trip', detail: r };
    }
    case 'cluster': {
      const r = await smokeCluster(info as Parameters<typeof smokeCluster>[0]);
      const counts = Object.values(r.keysPerMaster);
      const passed =
        r.clusterState === 'ok' &&
        counts.length === 3 &&
        counts.every((n) => n > 0) &&
        counts.reduce((a, b) => a + b, 0) === r.keysWritten &&
        r.misplacedKeys === 0;
      return {
        passed,
        summary: `cluster_state:${r.clusterState}, keys per master ${counts.join('/')}`,
        detail: r,
      };
    }
    case 'sentinel': {
      const r = await smokeSentinel(info as Parameters<typeof smokeSentinel>[0]);
      const passed =
        r.readFromMaster === r.written &&
        r.replicasAcknowledged >= 1 &&
        r.readFromReplica === r.written;
      return {
        passed,
        summary: `write via master ${r.reportedMaster.host}:${r.reportedMaster.port}, replicated`,
        detail: r,
      };
    }
    case 'kafka':
    case 'kafka3': {
      const r = await smokeKafka(info as Parameters<typeof smokeKafka>[0]);
      const passed =
        r.topicCreated &&
        r.partitions === 3 &&
        r.consumed.length === r.produced.length &&
        r.produced.every((v) => r.consumed.includes(v)) &&
        r.groupMembers === 1;
      return {
        passed,
        summary: `topic ×${r.partitions} RF ${r.replicas}, ${r.consumed.length}/${r.produced.length} read by group (${r.groupState}, ${r.redelivered} redelivered)`,
        detail: r,
      };
    }
  }
}
