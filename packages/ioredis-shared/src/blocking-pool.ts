import { ConnectionClosedError } from '@kf/protocol';

/**
 * Dedicated connections for blocking commands: a blocked BLMOVE holds its connection
 * until it returns, so each concurrent call needs one of its own, and commands on the
 * adapter's main connection must never queue behind it. Idle connections are kept, up
 * to `maxIdle`, so a worker looping on BLMOVE does not reconnect each time.
 */
export class BlockingConnectionPool<C> {
  private readonly idle: C[] = [];
  private readonly busy = new Set<C>();
  private readonly closing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly open: () => C,
    private readonly shut: (connection: C) => Promise<void>,
    private readonly maxIdle: number,
  ) {}

  /** Connections open now, idle and busy: for tests and metrics. */
  get size(): number {
    return this.idle.length + this.busy.size;
  }

  /**
   * Runs `task` on a connection no one else uses meanwhile. A connection whose task
   * failed is closed rather than reused: it may still be blocked on the server, or
   * broken.
   */
  async run<T>(task: (connection: C) => Promise<T>): Promise<T> {
    if (this.closed) throw new ConnectionClosedError('the blocking-connection pool is closed');
    const connection = this.idle.pop() ?? this.open();
    this.busy.add(connection);
    let result: T;
    try {
      result = await task(connection);
    } catch (error) {
      if (this.busy.delete(connection)) this.discard(connection);
      throw error;
    }
    if (this.busy.delete(connection)) this.giveBack(connection);
    return result;
  }

  /** Closes every connection, failing blocked calls, and resolves when all have ended. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    this.busy.clear();
    for (const connection of all) this.discard(connection);
    await Promise.all(this.closing);
  }

  private giveBack(connection: C): void {
    if (!this.closed && this.idle.length < this.maxIdle) this.idle.push(connection);
    else this.discard(connection);
  }

  private discard(connection: C): void {
    const closing = this.shut(connection).finally(() => this.closing.delete(closing));
    this.closing.add(closing);
  }
}
