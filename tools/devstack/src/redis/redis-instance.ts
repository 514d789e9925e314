import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevstackStartError } from '../errors.js';
import { type ManagedProcess, readLogTail, startProcess } from '../managed-process.js';
import type { ProcessOwner } from '../pid-registry.js';
import { portTakenError } from '../ports.js';
import { waitUntil } from '../wait-until.js';
import { type HostPort, type ProbeCredentials, parseInfo, withRedis } from './probe.js';
import type { TlsFiles } from './tls-certs.js';

export const LOOPBACK = '127.0.0.1';

/**
 * How long a Redis process may take to answer as itself after its spawn: it starts and
 * loads a test-sized AOF in well under 100 ms here, so 10 s is a hundredfold margin for
 * a two-core machine shared with other suites' Kafka JVMs.
 */
const READY_TIMEOUT_MS = 10_000;

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
  /** `requirepass`: the `default` user's password (also used to reach a master). */
  password?: string;
  /** ACL users, each an ACL rule list without the leading `user`: `app on >secret ~* +@all`. */
  users?: string[];
  /** Serve TLS only, on `port`, with these certificates. */
  tls?: { files: TlsFiles; authClients: boolean };
  /** How the readiness probe logs in: needed with `password`, `tls` or a closed default user. */
  probe?: ProbeCredentials;
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
    ...listenConfig(options),
    `bind ${LOOPBACK}`,
    `dir ${dir}`,
    'daemonize no',
    'logfile ""',
    // A master stopping waits `shutdown-timeout` for lagging replicas; the devstack
    // stops replicas at the same moment, so that wait would only add seconds.
    ...(isSentinel ? [] : ['appendonly yes', 'save ""', 'shutdown-timeout 0']),
    ...securityConfig(options),
    ...(options.config ?? []),
  ];
  const configFile = join(dir, isSentinel ? 'sentinel.conf' : 'redis.conf');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const proc = await launchRedis(options, dir, configFile);
  return { host: LOOPBACK, port: options.port, name: options.name, dir, process: proc };
}

/**
 * Starts the server of an instance again after it was stopped, on the same port, data
 * directory and config: a restart, its AOF reloaded.
 */
export function relaunchRedisInstance(
  instance: RedisInstance,
  options: RedisInstanceOptions,
): Promise<ManagedProcess> {
  const isSentinel = options.command === 'redis-sentinel';
  return launchRedis(
    options,
    instance.dir,
    join(instance.dir, isSentinel ? 'sentinel.conf' : 'redis.conf'),
  );
}

async function launchRedis(
  options: RedisInstanceOptions,
  dir: string,
  configFile: string,
): Promise<ManagedProcess> {
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
        withRedis(
          address,
          async (client) => {
            // PING fails while the server still loads its AOF (LOADING).
            if ((await client.ping()) !== 'PONG') return undefined;
            // Ready only if the server answering is this process: when another process
            // holds the port (a Redis of someone else's, on a shared machine), ours exits
            // on EADDRINUSE and the other one would answer the PING.
            const server = parseInfo(await client.info('server'));
            return Number(server.process_id) === proc.pid ? true : undefined;
          },
          options.probe,
        ),
      {
        what: `${options.name} on port ${options.port}`,
        timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
        abortIf: () => (proc.running ? undefined : 'the process exited'),
      },
    );
  } catch (error) {
    const exited = !proc.running;
    await proc.stop();
    // Read once the process is gone: its last lines are written by then.
    const log = readLogTail(proc.logFile);
    const message = `${(error as Error).message}\n--- ${proc.logFile} ---\n${log}`;
    const taken = exited
      ? portTakenError({ name: options.name, role: 'server' }, log, message, error)
      : undefined;
    throw taken ?? new DevstackStartError(message, { cause: error });
  }
  return proc;
}

/** With TLS the one port is the TLS port: plain TCP is switched off (`port 0`). */
function listenConfig(options: RedisInstanceOptions): string[] {
  return options.tls ? ['port 0', `tls-port ${options.port}`] : [`port ${options.port}`];
}

function securityConfig(options: RedisInstanceOptions): string[] {
  const lines: string[] = [];
  if (options.password !== undefined) {
    lines.push(`requirepass ${options.password}`);
    // Replicas (and cluster replicas) log in to their master with the same password.
    if (options.command !== 'redis-sentinel') lines.push(`masterauth ${options.password}`);
  }
  for (const user of options.users ?? []) lines.push(`user ${user}`);
  if (options.tls) {
    const { files, authClients } = options.tls;
    lines.push(
      `tls-cert-file ${files.serverCert}`,
      `tls-key-file ${files.serverKey}`,
      `tls-ca-cert-file ${files.caCert}`,
      `tls-auth-clients ${authClients ? 'yes' : 'no'}`,
    );
  }
  return lines;
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
