/**
 * What the `kf` command line is built from, for embedding it or testing against it: `runCli`
 * runs it on an argument list, `buildProgram` gives the commander program, `loadConfig`
 * reads the config from a file, flags and variables. To operate a group from an application,
 * use `openGroupAdmin` from `@kf/consumer` instead.
 *
 * @module @kf/cli
 */
export { CliError } from './cli-error.js';
export { CONFIG_ENV, type ConfigSources, loadConfig } from './load-config.js';
export type { Io } from './output.js';
export { buildProgram } from './program.js';
export { runCli } from './run-cli.js';
