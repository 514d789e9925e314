import { isErrorReply } from './driver-errors.js';

// Replies to AUTH/HELLO that no retry will change: wrong credentials or a user
// without the right to connect.
const AUTH_REPLY_PREFIXES = ['WRONGPASS', 'NOAUTH', 'NOPERM', 'ERR AUTH'];
// TLS failures that mean "these certificates will never be accepted".
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why connecting can never succeed, or `undefined` when a retry may: a refused login or
 * a certificate that is not trusted is a configuration error, and retrying it forever
 * would only hide it behind command timeouts.
 */
export function permanentConnectFailure(cause: unknown): string | undefined {
  // node-redis's Sentinel client reports its inner clients' errors wrapped, as `cause`.
  for (let error = cause, depth = 0; error instanceof Error && depth < 4; depth++) {
    const reason = permanentReason(error);
    if (reason !== undefined) return reason;
    error = error.cause;
  }
  return undefined;
}

function permanentReason(error: Error): string | undefined {
  if (isErrorReply(error)) {
    const refused = AUTH_REPLY_PREFIXES.some((prefix) => error.message.startsWith(prefix));
    return refused ? `the server refused the login (${error.message})` : undefined;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'))) {
    return `TLS failed (${code})`;
  }
  return undefined;
}

/**
 * node-redis's `socket.reconnectStrategy` for the connections the adapter opens:
 * reconnect soon after a drop, backing off to one attempt a second (a restarted or
 * failed-over server is usually back within seconds, and commands wait for it within
 * their timeout), but stop at once on a failure no retry can fix.
 */
export function reconnectStrategy(retries: number, cause: Error): number | Error {
  const permanent = permanentConnectFailure(cause);
  if (permanent !== undefined) return new Error(`stopped reconnecting: ${permanent}`);
  return Math.min(50 * (retries + 1), 1_000);
}
