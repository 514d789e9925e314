import { join } from 'node:path';
import { type ServiceHandle, type StartOptions, serviceHandle } from '../service.js';
import { relaunchRedisInstance, startRedisInstance } from './redis-instance.js';
import { startRedisOnFreePorts } from './start-on-free-ports.js';
import { generateTlsMaterial, type TlsClientOptions, type TlsFiles } from './tls-certs.js';

export interface RedisSingleInfo {
  host: string;
  port: number;
  /** `redis://host:port`, or `rediss://` with TLS; never carries the password. */
  url: string;
  /** The `default` user's password, when the server was started with one. */
  password?: string;
  /** A client's TLS options (PEM CA, certificate and key), when the server speaks TLS. */
  tls?: TlsClientOptions;
  /** The PEM files behind `tls`, for tools that take paths (`redis-cli --tls --cacert …`). */
  tlsFiles?: TlsFiles;
}

export type RedisSingle = ServiceHandle<RedisSingleInfo> & {
  /** Stops the server (SIGTERM: its AOF is flushed), leaving its data for `startServer`. */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same port, reloading its AOF. */
  startServer(): Promise<void>;
};

export interface SingleStartOptions extends StartOptions {
  /** `requirepass`: clients log in as the `default` user with it. */
  password?: string;
  /**
   * ACL users, one rule list each without the leading `user`, as in redis.conf:
   * `'app on >app-secret ~* &* +@all'`. The `default` user stays as `password` left it.
   */
  users?: string[];
  /**
   * Speak TLS only: certificates are made with openssl into the run directory, and
   * `info.tls` holds what a client needs. `authClients` (default true) makes the
   * server require a client certificate (`tls-auth-clients yes`).
   */
  tls?: boolean | { authClients?: boolean };
}

/**
 * One Redis server on a free loopback port, with AOF on; optionally with auth and TLS. A
 * port taken by another process before the server binds it is replaced by a new pick.
 */
export async function startRedisSingle(options: SingleStartOptions = {}): Promise<RedisSingle> {
  return startRedisOnFreePorts(
    { what: 'Redis single', kind: 'single', ports: 1 },
    options,
    ([port], runDir) => startOn(port as number, runDir, options),
  );
}

async function startOn(
  port: number,
  runDir: string,
  options: SingleStartOptions,
): Promise<RedisSingle> {
  const tls = options.tls ? generateTlsMaterial(join(runDir, 'tls')) : undefined;
  const authClients = typeof options.tls === 'object' ? options.tls.authClients !== false : true;
  const credentials: { password?: string; tls?: TlsClientOptions } = {
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(tls ? { tls: tls.client } : {}),
  };
  const instanceOptions = {
    name: 'redis-single',
    port,
    runDir,
    owner: options.owner ?? 'api',
    password: options.password,
    users: options.users,
    tls: tls ? { files: tls.files, authClients } : undefined,
    probe: credentials,
  };
  const server = await startRedisInstance(instanceOptions);
  const info: RedisSingleInfo = {
    host: server.host,
    port: server.port,
    url: `${tls ? 'rediss' : 'redis'}://${server.host}:${server.port}`,
    ...credentials,
    ...(tls ? { tlsFiles: tls.files } : {}),
  };
  const processes = [server.process];
  return {
    ...serviceHandle('single', runDir, info, processes),
    async stopServer() {
      await processes[0]?.stop();
    },
    async startServer() {
      // The handle's process list is updated in place, so stop() stops the new one.
      // The port stays the same (clients know it): one taken meanwhile fails the start.
      processes[0] = await relaunchRedisInstance(server, instanceOptions);
    },
  };
}
