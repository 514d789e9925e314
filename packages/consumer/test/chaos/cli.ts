// `pnpm test:chaos [--seed N] [--minutes M] [--episode-seconds S]`: a seeded chaos run on
// the real stack. Prints the seed first, a line per episode, and a one-line summary;
// exits 1 on any violation. The same seed replays the same schedules.
import { parseArgs } from 'node:util';
import { runChaos } from './run-chaos.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    minutes: { type: 'string', default: '0' },
    'episode-seconds': { type: 'string', default: '90' },
  },
  strict: true,
});

function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a whole number, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
}

// Named, so a crash says it was the harness and not a node process (theirs is reported).
process.on('unhandledRejection', (error) => {
  process.stderr.write(
    `[chaos] the harness had an unhandled rejection: ${(error as Error)?.stack ?? error}\n`,
  );
  process.exit(3);
});

// Stopped from outside: exit through the 'exit' handlers, which stop servers started again.
process.on('SIGTERM', () => process.exit(143));
process.on('SIGINT', () => process.exit(130));
process.on('exit', (code) =>
  process.stderr.write(`[chaos] harness ${process.pid} exits with ${code}\n`),
);

const seed = number('seed', values.seed, Math.floor(Math.random() * 2 ** 31));
process.stdout.write(
  `[chaos] seed ${seed} (replay with --seed ${seed}), harness pid ${process.pid}\n`,
);
const result = await runChaos({
  seed,
  minutes: number('minutes', values.minutes, 0),
  episodeFaultMs: number('episode-seconds', values['episode-seconds'], 90) * 1_000,
  drainTimeoutMs: 120_000,
  log: (line) => process.stdout.write(`${line}\n`),
}).catch((error: unknown) => {
  process.stderr.write(
    `[chaos] seed ${seed}: the run failed: ${(error as Error)?.stack ?? error}\n`,
  );
  process.exit(3);
});
process.exit(result.violations.length > 0 ? 1 : 0);
