#!/usr/bin/env node
import { runCli } from './run-cli.js';

void runCli(process.argv).then((code) => {
  // Once the output is written the command is over: a driver's timer still armed (a
  // command's timeout, a reconnection to a server that never answered) must not keep
  // the shell waiting.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
