import { isIPv6 } from 'node:net';
import type { HostPort } from './types.js';

/** Why an address string was rejected, or the address it names. */
export type AddressParse = { ok: true; address: HostPort } | { ok: false; expected: string };

const EXPECTED = "expected 'host:port' (IPv6 as '[::1]:6379') with a port from 1 to 65535";

/** Parses `'host:port'`, with an IPv6 host in brackets: `'[::1]:6379'`. */
export function parseAddress(text: string): AddressParse {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return { ok: false, expected: EXPECTED };
  let host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return { ok: false, expected: EXPECTED };
  } else if (host.includes(':')) {
    // An unbracketed IPv6 host leaves it unclear where the host ends.
    return { ok: false, expected: EXPECTED };
  }
  const port = Number(portText);
  if (host === '' || !/^\d+$/.test(portText) || !isPort(port)) {
    return { ok: false, expected: EXPECTED };
  }
  return { ok: true, address: { host, port } };
}

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65_535;
}

/** `host:port` for messages, with IPv6 hosts in brackets. */
export function formatAddress({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
