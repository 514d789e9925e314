/**
 * The connections of kafkajs 2.2.4's pools that are connected or connecting (kafkajs
 * internals, pinned, like kafkajs-internals.ts): kafkajs forgets a broker when it
 * disconnects, yet a request under way may still hold it and connect it again, so a
 * close ends every connection watched here as well. Held strongly while open (a socket
 * does not keep its broker reachable), let go once disconnected.
 */

/** The parts of kafkajs's `Connection` watched here. */
export interface WatchedConnection {
  isConnected(): boolean;
  connect(): Promise<unknown>;
  disconnect(): Promise<unknown>;
}

export class OpenConnections {
  private readonly open = new Set<WatchedConnection>();
  private readonly watched = new WeakSet<WatchedConnection>();
  /** Connects under way per connection: a disconnect ending meanwhile must not let it go. */
  private readonly connecting = new Map<WatchedConnection, number>();

  /** Watches the pool's connections: each joins when it connects, leaves once disconnected. */
  track(pool: { pool: WatchedConnection[] }): void {
    for (const connection of pool.pool) {
      if (this.watched.has(connection)) continue;
      this.watched.add(connection);
      const connect = connection.connect.bind(connection);
      const disconnect = connection.disconnect.bind(connection);
      connection.connect = async () => {
        this.open.add(connection);
        this.connecting.set(connection, (this.connecting.get(connection) ?? 0) + 1);
        try {
          const connected = await connect();
          // A disconnect while it was connecting let it go; its socket is open now.
          this.open.add(connection);
          return connected;
        } finally {
          this.connectEnded(connection);
        }
      };
      connection.disconnect = async () => {
        try {
          return await disconnect();
        } finally {
          // A connect that began meanwhile keeps it: its socket may open after this.
          if (!this.connecting.has(connection)) this.open.delete(connection);
        }
      };
    }
  }

  /** How many connections are watched as open (connected or connecting). */
  get size(): number {
    return this.open.size;
  }

  disconnectAll(): Promise<unknown> {
    return Promise.all([...this.open].map((connection) => connection.disconnect()));
  }

  private connectEnded(connection: WatchedConnection): void {
    const left = (this.connecting.get(connection) ?? 1) - 1;
    if (left > 0) {
      this.connecting.set(connection, left);
      return;
    }
    this.connecting.delete(connection);
    // A connect that failed leaves nothing open, unless an earlier one had connected it.
    if (!connection.isConnected()) this.open.delete(connection);
  }
}
