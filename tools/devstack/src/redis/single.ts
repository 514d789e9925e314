import { newRunDir } from '../paths.js';
import { freePorts } from '../ports.js';
import { type ServiceHandle, type StartOptions, serviceHandle } from '../service.js';
import { ensureRedisTools } from '../system-tools.js';
import { startRedisInstance } from './redis-instance.js';

export interface RedisSingleInfo {
  host: string;
  port: number;
  url: string;
}

export type RedisSingle = ServiceHandle<RedisSingleInfo>;

/** One Redis server on a free loopback port, with AOF on. */
export async function startRedisSingle(options: StartOptions = {}): Promise<RedisSingle> {
  ensureRedisTools(options.log);
  const [port] = (await freePorts(1)) as [number];
  const runDir = newRunDir('single');
  const server = await startRedisInstance({
    name: 'redis-single',
    port,
    runDir,
    owner: options.owner ?? 'api',
  });
  const info = {
    host: server.host,
    port: server.port,
    url: `redis://${server.host}:${server.port}`,
  };
  return serviceHandle('single', runDir, info, [server.process]);
}
