export { CliError } from './cli-error.js';
export { CONFIG_ENV, type ConfigSources, loadConfig } from './load-config.js';
export type { Io } from './output.js';
export { buildProgram } from './program.js';
export { runCli } from './run-cli.js';
