import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { formatAddress, parseAddress } from './address.js';
import type { HostPort } from './types.js';

/**
 * Field schemas shared by the config sections. Each carries its own "expected …"
 * message; `issues.ts` adds what was found.
 */

/** A whole number in `[min, max]`; `unit` names what it counts, for the message. */
export function integer(options: { min: number; max?: number; unit?: string }) {
  const { min, max = Number.MAX_SAFE_INTEGER, unit } = options;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  const error = `expected a whole number${unit ? ` of ${unit}` : ''}, ${range}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export const port = integer({ min: 1, max: 65_535 });

/** A string that must not be empty: an empty one is almost always an unset variable. */
export function nonEmptyString(what: string) {
  const error = `expected a non-empty string (${what})`;
  return z.string({ error }).min(1, { error });
}

const addressObject = z.strictObject({
  host: nonEmptyString('a host name or IP address'),
  port,
});

const addressString = z.string().transform((text, ctx): HostPort => {
  const parsed = parseAddress(text);
  if (parsed.ok) return parsed.address;
  ctx.addIssue({ code: 'custom', message: parsed.expected, input: text });
  return z.NEVER;
});

/** `'host:port'` or `{ host, port }`, normalised to `{ host, port }`. */
export const address = z.union([addressString, addressObject], {
  error: "expected 'host:port' or { host, port }",
});

/** A non-empty list of addresses, with a duplicate reported at its own index. */
export function addressList(what: string) {
  return z
    .array(address, {
      error: `expected a list of ${what} addresses as 'host:port' or { host, port }`,
    })
    .min(1, { error: `expected at least one ${what}` })
    .superRefine((addresses, ctx) => {
      const seen = new Map<string, number>();
      addresses.forEach((entry, index) => {
        const key = formatAddress(entry);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, index);
        else {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `expected each ${what} once, but ${key} is also at [${first}]`,
            input: key,
          });
        }
      });
    });
}

/** A host name with no port: the port has a field of its own. */
export const hostName = nonEmptyString('a host name or IP address').refine(
  (host) => !host.includes(':') || isIPv6(host),
  {
    error:
      "expected a host name without a port: give the port in redis.port, or write host: ['host:port']",
  },
);

/**
 * The consumer group. It becomes the hash tag of every key, `kf:{group}:…`: a `}` in it
 * would end the tag early, so the tag would no longer be the group and two groups could
 * read as one when a key is taken apart.
 */
export const groupName = nonEmptyString('the consumer group name')
  .max(200, { error: 'expected a group name of at most 200 characters' })
  .refine((name) => !/[{}]/.test(name), {
    error: 'expected a group name without { or }: it becomes the hash tag of every key',
  });
