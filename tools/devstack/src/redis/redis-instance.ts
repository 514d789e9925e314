import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevstackStartError } from '../errors.js';
import { type ManagedProcess, startProcess } from '../managed-process.js';
import type { ProcessOwner } from '../pid-registry.js';
import { waitUntil } from '../wait-until.js';
import { type HostPort, withRedis } from './probe.js';

export const LOOPBACK = '127.0.0.1';

export interface RedisInstance extends HostPort {
  name: string;
  dir: string;
  process: ManagedProcess;
}

export interface RedisInstanceOptions {
  name: string;
  port: number;
  runDir: string;
  owner: ProcessOwner;
  /** `redis-server` or `redis-sentinel`. */
  command?: string;
  /** Config lines added after the common ones (cluster, replication, sentinel). */
  config?: string[];
  readyTimeoutMs?: number;
}

/**
 * Starts one Redis process with its own data directory and config, persisting as
 * users run it (AOF), and resolves once it answers PING.
 */
export async function startRedisInstance(options: RedisInstanceOptions): Promise<RedisInstance> {
  const dir = join(options.runDir, options.name);
  mkdirSync(dir, { recursive: true });
  const isSentinel = options.command === 'redis-sentinel';
  const config = [
    `port ${options.port}`,
    `bind ${LOOPBACK}`,
    `dir ${dir}`,
    'daemonize no',
    'logfile ""',
    // A master stopping waits `shutdown-timeout` for lagging replicas; the devstack
    // stops replicas at the same moment, so that wait would only add seconds.
    ...(isSentinel ? [] : ['appendonly yes', 'save ""', 'shutdown-timeout 0']),
    ...(options.config ?? []),
  ];
  const configFile = join(dir, isSentinel ? 'sentinel.conf' : 'redis.conf');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const proc = startProcess({
    name: options.name,
    command: options.command ?? 'redis-server',
    args: [configFile],
    cwd: dir,
    logFile: join(dir, 'server.log'),
    owner: options.owner,
  });
  const address = { host: LOOPBACK, port: options.port };
  try {
    await waitUntil(
      () =>
        withRedis(address, async (client) => ((await client.ping()) === 'PONG' ? true : undefined)),
      {
        what: `${options.name} on port ${options.port}`,
        timeoutMs: options.readyTimeoutMs ?? 10_000,
        abortIf: () => (proc.running ? undefined : 'the process exited'),
      },
    );
  } catch (error) {
    await proc.stop();
    throw new DevstackStartError(
      `${(error as Error).message}\n--- ${proc.logFile} ---\n${proc.logTail()}`,
      { cause: error },
    );
  }
  return { ...address, name: options.name, dir, process: proc };
}

/** Stops instances together; every one is attempted even when one fails. */
export async function stopAll(processes: ManagedProcess[]): Promise<void> {
  const results = await Promise.allSettled(processes.map((p) => p.stop()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    throw new AggregateError(
      failed.map((f) => f.reason),
      `could not stop ${failed.length} process(es)`,
    );
  }
}
