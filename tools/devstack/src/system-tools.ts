import { execFileSync, spawnSync } from 'node:child_process';
import { DevstackToolMissingError } from './errors.js';

export function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const REDIS_TOOLS: Record<string, string> = {
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  'redis-sentinel': 'redis-sentinel',
};

/**
 * Makes sure Debian's redis-server, redis-sentinel and redis-cli are installed,
 * installing the missing packages with apt-get when running as root on Debian.
 */
export function ensureRedisTools(log: (line: string) => void = () => undefined): void {
  const missing = Object.keys(REDIS_TOOLS).filter((tool) => !onPath(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => REDIS_TOOLS[tool] as string))];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new DevstackToolMissingError(
      `missing ${missing.join(', ')}: install them with \`apt-get install ${packages.join(' ')}\``,
    );
  }
  log(`installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'ignore', env });
  // The Debian packages start system services of their own; the devstack runs its own.
  for (const service of ['redis-server', 'redis-sentinel']) {
    spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
  }
  const still = missing.filter((tool) => !onPath(tool));
  if (still.length > 0) {
    throw new DevstackToolMissingError(`apt-get install did not provide ${still.join(', ')}`);
  }
}

/** Fails with the command to run when a JVM tool is missing (Java 17+ and Maven). */
export function ensureJvmTools(): void {
  for (const [tool, pkg] of [
    ['java', 'openjdk-17-jre-headless'],
    ['mvn', 'maven'],
  ] as const) {
    if (!onPath(tool)) {
      throw new DevstackToolMissingError(
        `missing ${tool}: install it with \`apt-get install ${pkg}\``,
      );
    }
  }
}
