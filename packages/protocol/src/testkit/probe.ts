import {
  type RespAddress,
  RespConnection,
  RespErrorReply,
  type RespValue,
} from './resp-connection.js';

/**
 * A plain Redis client for the conformance suite: it follows MOVED redirections, so on
 * a cluster it reaches whichever master owns a key, and can run a command on every
 * master (SCRIPT FLUSH).
 */
export class Probe {
  private readonly connections = new Map<string, Promise<RespConnection>>();

  constructor(private readonly seed: RespAddress) {}

  private connection(host: string, port: number): Promise<RespConnection> {
    const id = `${host}:${port}`;
    let connection = this.connections.get(id);
    if (!connection) {
      connection = RespConnection.open({ ...this.seed, host, port });
      this.connections.set(id, connection);
    }
    return connection;
  }

  /** Runs a command, following up to 5 MOVED/ASK redirections. */
  async command(args: (string | number)[]): Promise<RespValue> {
    let { host, port } = this.seed;
    for (let hop = 0; hop < 5; hop++) {
      const connection = await this.connection(host, port);
      try {
        return await connection.command(args);
      } catch (error) {
        const redirect =
          error instanceof RespErrorReply && /^(MOVED|ASK) \d+ (.+):(\d+)$/.exec(error.message);
        if (!redirect) throw error;
        host = redirect[2] as string;
        port = Number(redirect[3]);
        if (redirect[1] === 'ASK') await connection.command(['ASKING']);
      }
    }
    throw new Error(`probe: too many redirections for ${String(args[0])}`);
  }

  /** Whether the seed node is part of a Redis Cluster. */
  async isCluster(): Promise<boolean> {
    const info = String(await this.command(['INFO', 'cluster']));
    return /cluster_enabled:1/.test(info);
  }

  /**
   * Runs a command on the master that owns `key`'s slot, or on the one server: for
   * state a node keeps of its own, such as CLIENT LIST, which MOVED cannot route.
   */
  async onMasterOf(key: string, args: (string | number)[]): Promise<RespValue> {
    return (await this.masterOf(key)).command(args);
  }

  /**
   * Sends `commands` to the master that owns `key`'s slot in one write, without waiting
   * for a reply in between, and returns their replies: the server runs them back to
   * back, with no other client's command between them (to drop connections and hold
   * their reconnection at once, for example).
   */
  async onMasterOfTogether(key: string, commands: (string | number)[][]): Promise<RespValue[]> {
    const connection = await this.masterOf(key);
    return Promise.all(connection.commandsTogether(commands));
  }

  /** The connection to the master owning `key`'s slot, or to the one server. */
  private async masterOf(key: string): Promise<RespConnection> {
    if (!(await this.isCluster())) return this.connection(this.seed.host, this.seed.port);
    const slot = (await this.command(['CLUSTER', 'KEYSLOT', key])) as number;
    const slots = (await this.command(['CLUSTER', 'SLOTS'])) as RespValue[][];
    const range = slots.find(([from, to]) => slot >= (from as number) && slot <= (to as number));
    if (!range) throw new Error(`probe: no master serves slot ${slot} of ${key}`);
    const [host, port] = range[2] as [string, number];
    return this.connection(host, port);
  }

  /** Runs a command on every master: all of a cluster's, or the one server. */
  async onEveryMaster(args: (string | number)[]): Promise<RespValue[]> {
    if (!(await this.isCluster())) return [await this.command(args)];
    const slots = (await this.command(['CLUSTER', 'SLOTS'])) as RespValue[][];
    const masters = new Map<string, [string, number]>();
    for (const range of slots) {
      const [host, port] = range[2] as [string, number];
      masters.set(`${host}:${port}`, [host, port]);
    }
    const replies: RespValue[] = [];
    for (const [host, port] of masters.values()) {
      replies.push(await (await this.connection(host, port)).command(args));
    }
    return replies;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.connections.values());
    for (const result of all) if (result.status === 'fulfilled') result.value.close();
    this.connections.clear();
  }
}
