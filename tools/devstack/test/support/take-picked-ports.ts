import { createServer, type Server, type Socket } from 'node:net';
import { onPortsPicked } from '../../src/ports.js';

export interface PortThief {
  /** Every pick the devstack made while the thief was on, in order. */
  readonly picks: number[][];
  /** The ports the thief took, in order. */
  readonly taken: number[];
  /** The taken ports the thief still listens on. */
  holding(): number[];
  /** Stops taking ports; those taken stay taken. */
  stopTaking(): void;
  /** Stops taking ports and gives back those it took. */
  release(): Promise<void>;
}

/**
 * Plays the other process on a shared machine: right after each pick of ports, before
 * any server binds them, it listens on the ones `choose` names (`pick` counts from 1).
 * With `answerLikeRedis` it answers as a Redis of someone else's would (see
 * `answerAsForeignRedis`); otherwise it accepts connections and stays silent.
 */
export function takePickedPorts(
  choose: (ports: readonly number[], pick: number) => number[],
  options: { answerLikeRedis?: boolean } = {},
): PortThief {
  const picks: number[][] = [];
  const taken: number[] = [];
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const remove = onPortsPicked(async (ports) => {
    picks.push([...ports]);
    for (const port of choose(ports, picks.length)) {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        if (options.answerLikeRedis) answerAsForeignRedis(socket);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      servers.push(server);
      taken.push(port);
    }
  });
  return {
    picks,
    taken,
    holding: () => taken.filter((_, i) => servers[i]?.listening),
    stopTaking: remove,
    async release() {
      remove();
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}

/**
 * Answers each RESP command on `socket` as another Redis would: PING with PONG, INFO
 * with the fields a client's ready check and the devstack's probe read (a process id
 * that is not the devstack's server's), anything else with OK.
 */
function answerAsForeignRedis(socket: Socket): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (;;) {
      const command = takeCommand(buffered);
      if (!command) return;
      buffered = buffered.slice(command.length);
      const name = (command.args[0] ?? '').toUpperCase();
      if (name === 'PING') socket.write('+PONG\r\n');
      else if (name === 'INFO') {
        const info = '# Server\r\nprocess_id:1\r\n# Persistence\r\nloading:0\r\n';
        socket.write(`$${info.length}\r\n${info}\r\n`);
      } else socket.write('+OK\r\n');
    }
  });
}

/** The first whole RESP array of bulk strings in `text`, and how long it is. */
function takeCommand(text: string): { args: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(text);
  if (!header) return undefined;
  let at = header[0].length;
  const args: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(text.slice(at));
    if (!bulk) return undefined;
    const start = at + bulk[0].length;
    const end = start + Number(bulk[1]);
    if (text.length < end + 2) return undefined;
    args.push(text.slice(start, end));
    at = end + 2;
  }
  return { args, length: at };
}
