import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A node id unique per process start: host, pid and a random suffix. kafka-clj used the
 * host name alone, so two processes on one host shared (and stole) one working queue.
 */
export function defaultNodeId(): string {
  const host = hostname().replace(/[^\w.-]/g, '_') || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
