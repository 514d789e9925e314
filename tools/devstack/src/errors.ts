/** A service did not start or become ready; the message carries the tail of its log. */
export class DevstackStartError extends Error {
  override readonly name = 'DevstackStartError';
  readonly code = 'KF_DEVSTACK_START';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A tool the devstack needs (redis-server, java, mvn) is missing and could not be installed. */
export class DevstackToolMissingError extends Error {
  override readonly name = 'DevstackToolMissingError';
  readonly code = 'KF_DEVSTACK_TOOL_MISSING';
}
