import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@kf/protocol';
import { ConnectionClosedError, redactedError } from '@kf/protocol';
import { classNames } from './driver-errors.js';
import { permanentConnectFailure } from './reconnect-strategy.js';

/** What every node-redis object has for opening, closing and reporting trouble. */
export interface Connectable {
  readonly isOpen: boolean;
  readonly isReady?: boolean;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): Promise<void> | void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

export interface LifecycleOptions {
  /** The adapter opened it: it retries a failed start, and closes it at the end. */
  owned: boolean;
  /** For log lines and errors: `Redis`, `Redis Cluster` or `Redis Sentinel`. */
  what: string;
  logger: Logger;
  secrets: readonly string[];
  /** How long a graceful close may wait for replies before the connection is dropped. */
  closeTimeoutMs: number;
}

/**
 * Opens one node-redis object and keeps track of it: `ready` settles once it first
 * connects. A start that fails for a reason that may pass (servers still starting,
 * a fail-over under way) is retried until `close()`; one that cannot pass (a refused
 * login, an untrusted certificate) rejects `ready` with `ConnectionClosedError` as soon
 * as the driver reports it, rather than after the driver's own retries.
 * Driver `error` events, which node-redis emits on every failed reconnection and which
 * would crash the process without a listener, go to the logger.
 */
export class DriverLifecycle {
  readonly ready: Promise<void>;
  #closed = false;
  #connected = false;
  #failed = false;
  #lastError: unknown;
  #refuse!: (error: Error) => void;
  readonly #onError = (error: unknown): void => {
    this.#lastError = error;
    this.options.logger.warn(
      { err: redactedError(error, this.options.secrets) },
      `${this.options.what}: connection error`,
    );
    const permanent = this.#connected ? undefined : permanentConnectFailure(error);
    if (permanent !== undefined && !this.#closed) this.#giveUp(permanent, error);
  };

  constructor(
    readonly driver: Connectable,
    readonly options: LifecycleOptions,
  ) {
    driver.on('error', this.#onError);
    const refused = new Promise<never>((_, reject) => {
      this.#refuse = reject;
    });
    this.ready = driver.isOpen
      ? Promise.resolve()
      : Promise.race([this.#connect(), refused]).then(() => {
          this.#connected = true;
        });
    // Commands observe `ready`; this keeps a failure with no command waiting from
    // being reported as an unhandled rejection (it was logged when it happened).
    this.ready.catch(() => undefined);
  }

  async #connect(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.driver.connect();
        if (this.#closed) throw new ConnectionClosedError(`${this.options.what}: closed`);
        return;
      } catch (error) {
        if (this.#closed || this.#failed) {
          throw new ConnectionClosedError(`${this.options.what}: closed while connecting`, {
            cause: redactedError(error, this.options.secrets),
          });
        }
        const permanent =
          permanentConnectFailure(error) ?? permanentConnectFailure(this.#lastError);
        if (permanent !== undefined || !this.options.owned) {
          throw this.#giveUp(permanent, this.#lastError ?? error);
        }
        this.options.logger.warn(
          { err: redactedError(error, this.options.secrets), attempt },
          `${this.options.what}: could not connect, retrying`,
        );
        await delay(Math.min(200 * attempt, 2_000));
        if (this.#closed) throw new ConnectionClosedError(`${this.options.what}: closed`);
      }
    }
  }

  /**
   * Stops trying: `ready` rejects with the reason, and an owned object is dropped so
   * the driver stops retrying in the background.
   */
  #giveUp(permanent: string | undefined, error: unknown): ConnectionClosedError {
    const cause = redactedError(error, this.options.secrets);
    const failure = new ConnectionClosedError(
      `${this.options.what}: cannot connect: ${permanent ?? cause.message}`,
      { cause },
    );
    if (this.#failed) return failure;
    this.#failed = true;
    this.options.logger.error({ err: cause }, `${this.options.what}: cannot connect`);
    this.#refuse(failure);
    if (this.options.owned) {
      dropDriver(this.driver).catch((destroyError: unknown) => {
        this.options.logger.warn(
          { err: redactedError(destroyError, this.options.secrets) },
          `${this.options.what}: could not drop the connection that cannot connect`,
        );
      });
    }
    return failure;
  }

  /**
   * Closes an owned object gracefully (replies already on their way are read) within
   * `closeTimeoutMs`, then drops whatever is left; a caller's object is left open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.options.owned) {
      // The listener stays: a dropped object may still report its sockets closing.
      await closeWithin(this.driver, this.options.closeTimeoutMs);
    } else {
      this.driver.off('error', this.#onError);
    }
  }

  /** Drops an owned object at once, rejecting whatever waits on it (a blocked command). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await dropDriver(this.driver);
  }
}

/** Graceful close bounded in time; a server that stopped answering must not hang it. */
async function closeWithin(driver: Connectable, timeoutMs: number): Promise<void> {
  // Not connected (yet): nothing is on its way to be read.
  if (!driver.isOpen || driver.isReady === false) {
    await dropDriver(driver);
    return;
  }
  const timer = delay(timeoutMs, 'timeout' as const, { ref: false });
  const outcome = await Promise.race([
    driver.close().then(
      () => 'closed' as const,
      () => 'failed' as const,
    ),
    timer,
  ]);
  if (outcome !== 'closed') await dropDriver(driver);
}

/**
 * `destroy()`, where node-redis 5 throws `ClientClosedError` for a client that is closed
 * already (one that gave up connecting): there is nothing left to drop then.
 */
async function dropDriver(driver: Connectable): Promise<void> {
  try {
    await driver.destroy();
  } catch (error) {
    if (!classNames(error).has('ClientClosedError')) throw error;
  }
}
