import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devstackHome } from './paths.js';
import type { ServiceDescription, ServiceKind } from './service.js';

/** The services the CLI brought up, kept between its invocations. */
export type CliState = Partial<Record<ServiceKind, ServiceDescription>>;

function stateFile(): string {
  return join(devstackHome(), 'state.json');
}

export function readState(): CliState {
  return existsSync(stateFile()) ? (JSON.parse(readFileSync(stateFile(), 'utf8')) as CliState) : {};
}

export function writeState(state: CliState): void {
  writeFileSync(stateFile(), `${JSON.stringify(state, null, 2)}\n`);
}
