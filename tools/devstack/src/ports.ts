import { rmSync } from 'node:fs';
import getPort from 'get-port';
import { DevstackStartError, PortInUseError } from './errors.js';

/** Sees every pick of ports before any is used; see `onPortsPicked`. */
export type PortsPickedHook = (ports: readonly number[]) => void | Promise<void>;

let portsPickedHook: PortsPickedHook | undefined;

/**
 * A test hook: `hook` sees each pick before any server binds the ports, and may take
 * one, as another process on the machine can in that window. Returns its remover.
 */
export function onPortsPicked(hook: PortsPickedHook): () => void {
  portsPickedHook = hook;
  return () => {
    if (portsPickedHook === hook) portsPickedHook = undefined;
  };
}

/**
 * `KF_DEVSTACK_PORTS=<from>-<to>`: servers listen only on ports of that range. The test
 * command runs two lanes of tests at once and gives each a range of its own, below the
 * system's ephemeral ports: a test that kills a server and starts it again on its port
 * must find the port free, and a server of the other lane started meanwhile (or an
 * outgoing connection) could otherwise take it — a Redis of one lane was seen answering
 * on a port another lane's Sentinel test had just killed its master on.
 */
export const PORTS_VARIABLE = 'KF_DEVSTACK_PORTS';

/** Random ports of the range tried for each pick before giving up: the range is mostly free. */
const PICKS_PER_PORT = 64;

function portRange(): { from: number; to: number } | undefined {
  const text = process.env[PORTS_VARIABLE];
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+)-(\d+)$/.exec(text);
  const [from, to] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || from < 1024 || to > 65_535 || from > to) {
    throw new DevstackStartError(
      `${PORTS_VARIABLE} must be <from>-<to> with 1024 <= from <= to <= 65535, got ${JSON.stringify(text)}`,
    );
  }
  return { from, to };
}

/** `count` ports of the range, at random: picks spread like the system's own. */
function sample(range: { from: number; to: number }, count: number): number[] {
  return Array.from(
    { length: count },
    () => range.from + Math.floor(Math.random() * (range.to - range.from + 1)),
  );
}

/**
 * `count` distinct loopback ports that were free when picked. Nothing holds them until a
 * server binds them, so another process may take one first: starts run through
 * `withPortRetry`, which picks again when that happens.
 */
export async function freePorts(count: number): Promise<number[]> {
  const range = portRange();
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await getPort({
      host: '127.0.0.1',
      exclude: ports,
      ...(range === undefined ? {} : { port: sample(range, PICKS_PER_PORT) }),
    });
    if (range !== undefined && (port < range.from || port > range.to)) {
      throw new DevstackStartError(
        `${PORTS_VARIABLE}=${range.from}-${range.to}: ${PICKS_PER_PORT} ports tried in that range were all taken`,
      );
    }
    ports.push(port);
  }
  await portsPickedHook?.(ports);
  return ports;
}

/**
 * How many times a start picks ports before it gives up. Another process taking one of
 * a few just-picked ports within the seconds before they are bound is rare, so the
 * second attempt almost always succeeds; five consecutive losses mean something on the
 * machine takes ports systematically, which retrying does not cure.
 */
export const PORT_ATTEMPTS = 5;

/** Matches the line a server logs when it cannot bind a port, and captures the port. */
const ADDRESS_IN_USE = [
  // redis-server and redis-sentinel: "Could not create server TCP listening socket
  // 127.0.0.1:6379: bind: Address already in use", then it exits.
  /listening socket \S*:(\d+): bind: Address already in use/,
  // Kafka: "Socket server failed to bind to 127.0.0.1:9092: Address already in use.",
  // then "Exiting Kafka due to fatal exception" and exit status 1.
  /Socket server failed to bind to \S*:(\d+): Address already in use/,
];

/** The port a server's log says it could not bind because it was in use, if any. */
export function portInUseIn(log: string): number | undefined {
  for (const pattern of ADDRESS_IN_USE) {
    const match = pattern.exec(log);
    if (match?.[1]) return Number(match[1]);
  }
  return undefined;
}

/**
 * The error for a process whose start failed because another process had taken its
 * port, when `log` says so (then the start is tried again on new ports); undefined
 * when the log names no port in use.
 */
export function portTakenError(
  who: { name: string; role: 'server' | 'broker' },
  log: string,
  failure: string,
  cause: unknown,
): PortInUseError | undefined {
  const taken = portInUseIn(log);
  if (taken === undefined) return undefined;
  return new PortInUseError(
    taken,
    `${who.name}: port ${taken} was taken by another process before the ${who.role} ` +
      `could listen on it\n${failure}`,
    { cause },
  );
}

export interface PortAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** Run directories made by this attempt; removed when it loses a port, so retries leave none behind. */
  runDirs: string[];
}

/**
 * Runs `start` until it does not fail for lack of a port: each attempt picks its own
 * ports, and one that fails with a PortInUseError (a server found a picked port taken)
 * has already stopped what it started; its run directories are removed and the next
 * attempt picks new ports. Any other failure ends the start at once. After
 * `PORT_ATTEMPTS` losses the error names every port lost.
 */
export async function withPortRetry<T>(
  what: string,
  start: (attempt: PortAttempt) => Promise<T>,
  log: (line: string) => void = () => undefined,
): Promise<T> {
  const lost: PortInUseError[] = [];
  for (let attempt = 1; ; attempt++) {
    const current: PortAttempt = { attempt, runDirs: [] };
    try {
      return await start(current);
    } catch (error) {
      // Only a PortInUseError of its own: a start whose cleanup failed wraps it in an
      // AggregateError, and one that left a process behind is not tried again.
      if (!(error instanceof PortInUseError)) throw error;
      const clash = error;
      lost.push(clash);
      if (!process.env.KF_DEVSTACK_KEEP) {
        for (const dir of current.runDirs) rmSync(dir, { recursive: true, force: true });
      }
      if (attempt >= PORT_ATTEMPTS) {
        throw new DevstackStartError(
          `${what}: a port picked for it was taken by another process before its server ` +
            `could listen on it, in each of ${PORT_ATTEMPTS} attempts (ports lost: ` +
            `${lost.map((e) => e.port).join(', ')}); something on this machine is taking ` +
            `loopback ports as fast as they are picked. The last failure:\n${clash.message}`,
          { cause: error },
        );
      }
      log(
        `${what}: port ${clash.port} was taken before its server could listen on it; ` +
          `picking new ports (attempt ${attempt + 1} of ${PORT_ATTEMPTS})`,
      );
    }
  }
}
