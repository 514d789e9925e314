import { createRedis } from '@kf/core';
import { startRedisCluster, startRedisSingle } from '@kf/devstack';
import type { IRedis } from '@kf/protocol';

/** A real Redis for a test file: where to probe it, and an adapter on it for a group. */
export type Started = {
  stop(): Promise<void>;
  probe: { host: string; port: number };
  connect(group: string): Promise<IRedis>;
};

export const setups: [string, () => Promise<Started>][] = [
  [
    'single',
    async () => {
      const s = await startRedisSingle();
      return {
        stop: () => s.stop(),
        probe: s.info,
        connect: (groupName) => createRedis({ host: s.info.host, port: s.info.port, groupName }),
      };
    },
  ],
  [
    'cluster',
    async () => {
      const c = await startRedisCluster();
      const hosts = c.info.nodes.map((n) => `${n.host}:${n.port}`);
      return {
        stop: () => c.stop(),
        probe: c.info.nodes[0] as { host: string; port: number },
        connect: (groupName) => createRedis({ host: hosts, groupName }),
      };
    },
  ],
];
