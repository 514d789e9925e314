import type { Probe } from './probe.js';

/** One connection as `CLIENT LIST` shows it: the fields the cases read, and the whole line. */
export interface ServerClient {
  id: string;
  name: string;
  cmd: string;
  flags: string;
  line: string;
}

/** Parses `CLIENT LIST`'s reply, one `field=value …` line per connection. */
export function parseClientList(reply: string): ServerClient[] {
  return reply
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const fields = new Map(
        line.split(' ').map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)] as const;
        }),
      );
      return {
        id: fields.get('id') ?? '',
        name: fields.get('name') ?? '',
        cmd: fields.get('cmd') ?? '',
        flags: fields.get('flags') ?? '',
        line,
      };
    });
}

/**
 * `CLIENT LIST` of the node a command on `key` goes to: on a cluster the master of its
 * slot, which MOVED cannot route a keyless command to. `args` narrow it (`TYPE normal`).
 */
export async function clientsServing(
  probe: Probe,
  key: string,
  args: string[] = [],
): Promise<ServerClient[]> {
  return parseClientList(String(await probe.onMasterOf(key, ['CLIENT', 'LIST', ...args])));
}
