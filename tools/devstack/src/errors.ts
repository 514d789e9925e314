/** A service did not start or become ready; the message carries the tail of its log. */
export class DevstackStartError extends Error {
  override readonly name: string = 'DevstackStartError';
  readonly code: string = 'KF_DEVSTACK_START';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A server exited because a port it was given was in use (`EADDRINUSE`, read from its
 * log): another process took the port between the devstack picking it and the server
 * binding it. A start that meets this picks new ports and tries again.
 */
export class PortInUseError extends DevstackStartError {
  override readonly name = 'PortInUseError';
  override readonly code = 'KF_DEVSTACK_PORT_IN_USE';
  constructor(
    /** The port the server could not bind. */
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A tool the devstack needs (redis-server, java, mvn) is missing and could not be installed. */
export class DevstackToolMissingError extends Error {
  override readonly name = 'DevstackToolMissingError';
  readonly code = 'KF_DEVSTACK_TOOL_MISSING';
}
