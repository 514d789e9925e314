import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackStartError } from '../errors.js';
import { assetPath, cacheHome } from '../paths.js';
import { ensureJvmTools } from '../system-tools.js';

const run = promisify(execFile);

/** The Kafka version chosen in `assets/pom.xml`, the one place it is set. */
export function kafkaVersion(): string {
  const pom = readFileSync(assetPath('pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match?.[1]) throw new Error('assets/pom.xml does not set <kafka.version>');
  return match[1];
}

/**
 * Where the broker's jars live once fetched: outside the work tree, shared by clones.
 * Named by the version and the pom's content, so a dependency added to the pom is
 * fetched instead of a cache from before it being taken as complete.
 */
export function kafkaLibDir(version = kafkaVersion()): string {
  const pom = createHash('sha256')
    .update(readFileSync(assetPath('pom.xml')))
    .digest('hex');
  return join(cacheHome(), `kafka-${version}-${pom.slice(0, 8)}`, 'libs');
}

/**
 * Fetches the Kafka broker and its runtime dependencies from Maven Central into the
 * cache, once: later calls find the completed directory and return at once. The jars
 * land in a temporary directory first, so an interrupted download is never mistaken
 * for a complete one.
 */
export async function ensureKafkaJars(
  log: (line: string) => void = () => undefined,
): Promise<string> {
  ensureJvmTools(log);
  const version = kafkaVersion();
  const libs = kafkaLibDir(version);
  const stamp = join(libs, '.complete');
  if (existsSync(stamp)) return libs;
  log(`fetching Apache Kafka ${version} jars from Maven Central into ${libs}`);
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        assetPath('pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${partial}`,
        '-DincludeScope=runtime',
      ],
      { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new DevstackStartError(
      `fetching Kafka ${version} with Maven failed:\n${stdout}${stderr}`,
      {
        cause: error,
      },
    );
  }
  writeFileSync(join(partial, '.complete'), `${new Date().toISOString()}\n`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  return libs;
}
