import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { DevstackToolMissingError } from './errors.js';

export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A command the devstack runs, and the Debian package that provides it. */
type Tool = readonly [command: string, debianPackage: string];

const REDIS_TOOLS: Tool[] = [
  ['redis-server', 'redis-server'],
  ['redis-sentinel', 'redis-sentinel'],
  ['redis-cli', 'redis-tools'],
];

const JVM_TOOLS: Tool[] = [
  ['java', 'openjdk-17-jre-headless'],
  ['mvn', 'maven'],
];

/** Debian's redis-server, redis-sentinel and redis-cli, installed with apt-get when missing. */
export function ensureRedisTools(log: (line: string) => void = () => undefined): void {
  ensureTools(REDIS_TOOLS, log);
}

/** Java 17+ and Maven, for Kafka's broker and for fetching its jars. */
export function ensureJvmTools(log: (line: string) => void = () => undefined): void {
  ensureTools(JVM_TOOLS, log);
}

function ensureTools(tools: Tool[], log: (line: string) => void): void {
  const missing = tools.filter(([command]) => !onPath(command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const commands = missing.map(([command]) => command).join(', ');
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new DevstackToolMissingError(
      `missing ${commands}: install them with \`apt-get install ${packages.join(' ')}\``,
    );
  }
  log(`installing ${packages.join(' ')} with apt-get`);
  aptInstall(packages);
  const still = missing.filter(([command]) => !onPath(command));
  if (still.length > 0) {
    throw new DevstackToolMissingError(
      `apt-get install ${packages.join(' ')} did not provide ${still.map(([c]) => c).join(', ')}`,
    );
  }
}

const POLICY_RC = '/usr/sbin/policy-rc.d';

/**
 * Installs Debian packages without letting them start their system services: the
 * devstack runs its own servers, and a system redis-server would be a stray process.
 */
function aptInstall(packages: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const ownPolicy = !existsSync(POLICY_RC);
  // Exit code 101 is Debian's "action forbidden" answer to invoke-rc.d.
  if (ownPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
  } finally {
    if (ownPolicy) rmSync(POLICY_RC, { force: true });
  }
}
