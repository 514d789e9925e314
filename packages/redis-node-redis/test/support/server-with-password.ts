import { randomUUID } from 'node:crypto';
import type { ManagedProcess, ServiceHandle } from '@kf/devstack';
import { afterAll, beforeAll } from 'vitest';

export interface ServerWithPassword<Info> {
  /** What every client must log in with: random, so a leak of it is found by a search. */
  readonly password: string;
  readonly info: Info;
  readonly processes: ManagedProcess[];
}

/**
 * A devstack service for the calling file, started with `password` required before its
 * tests and stopped after them; `info` and `processes` are read once it runs.
 */
export function useServerWithPassword<Info>(
  label: string,
  start: (password: string) => Promise<ServiceHandle<Info>>,
): ServerWithPassword<Info> {
  const password = `${label}-pw-${randomUUID()}`;
  let service: ServiceHandle<Info> | undefined;
  beforeAll(async () => {
    service = await start(password);
  });
  afterAll(() => service?.stop());
  const started = () => {
    if (service === undefined) throw new Error(`the ${label} is used before its beforeAll ran`);
    return service;
  };
  return {
    password,
    get info() {
      return started().info;
    },
    get processes() {
      return started().processes;
    },
  };
}
