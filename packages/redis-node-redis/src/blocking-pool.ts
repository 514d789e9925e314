import type { Logger } from '@kf/protocol';
import { ConnectionClosedError, redactedError } from '@kf/protocol';
import type { DedicatedConnection, Deployment } from './deployment.js';

/**
 * The dedicated connections blocking commands run on: each concurrent call gets one of
 * its own, idle ones are kept for the next call (up to `maxIdle`), and `close()` drops
 * every one, rejecting the calls blocked on them.
 */
export class BlockingPool {
  readonly #idle: DedicatedConnection[] = [];
  readonly #all = new Set<DedicatedConnection>();
  #closed = false;

  constructor(
    private readonly deployment: Deployment,
    private readonly maxIdle: number,
    private readonly logger: Logger,
    private readonly secrets: readonly string[],
  ) {}

  /** An idle connection, or a new one (connecting; await its `ready`). */
  acquire(): DedicatedConnection {
    if (this.#closed) throw new ConnectionClosedError('the adapter was closed');
    const connection = this.#idle.pop() ?? this.deployment.openDedicated();
    this.#all.add(connection);
    return connection;
  }

  /**
   * Takes a connection back. One whose command failed or timed out may still be blocked
   * on the server, or be mid-reconnection, so only a clean one is kept for reuse.
   */
  release(connection: DedicatedConnection, clean: boolean): void {
    // Not ours any more: `close()` has dropped it already.
    if (!this.#all.has(connection)) return;
    if (clean && !this.#closed && this.#idle.length < this.maxIdle) {
      this.#idle.push(connection);
      return;
    }
    this.#drop(connection);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    const connections = [...this.#all];
    this.#all.clear();
    await Promise.all(connections.map((connection) => this.#destroy(connection)));
  }

  #drop(connection: DedicatedConnection): void {
    this.#all.delete(connection);
    void this.#destroy(connection);
  }

  async #destroy(connection: DedicatedConnection): Promise<void> {
    try {
      await connection.destroy();
    } catch (error) {
      this.logger.warn(
        { err: redactedError(error, this.secrets) },
        'could not drop a dedicated connection cleanly',
      );
    }
  }
}
