import type { Command } from 'commander';

/**
 * The arguments a user gave a repository script, without the `--` that `pnpm <script> --
 * --flag` passes on: commander would read every option after it as an operand and stop
 * with "too many arguments". The scripts that use this take options only.
 */
export function scriptArgs(argv: readonly string[] = process.argv): string[] {
  return argv.filter((arg, i) => i < 2 || arg !== '--');
}

/**
 * With `KF_CLI_DRY_RUN=1` in the environment, a command prints what it parsed (its name
 * and options, as one JSON line on stdout) and exits 0 before it acts. The docs tests
 * run every documented command line this way, so a line that stops parsing fails a test
 * rather than a user.
 */
export function withDryRun(program: Command): Command {
  if (process.env.KF_CLI_DRY_RUN !== '1') return program;
  return program.hook('preAction', (_root, action) => {
    process.stdout.write(`${JSON.stringify({ command: action.name(), options: action.opts() })}\n`);
    process.exit(0);
  });
}
