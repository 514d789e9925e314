import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheHome, ensureKafkaJars, kafkaLibDir } from '@kf/devstack';

const run = promisify(execFile);

/** `java` of JAVA_HOME when set, as the devstack runs the broker. */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function javacCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'javac') : 'javac';
}

/**
 * The JVM options `bin/kafka-run-class.sh` gives Kafka's tools and clients by default
 * (`KAFKA_JVM_PERFORMANCE_OPTS`), with the heap a script sets (`KAFKA_HEAP_OPTS`), and
 * the devstack's log configuration for tools: warnings only, on stderr.
 */
export function kafkaJvmArgs(heapMb: number): string[] {
  const devstack = dirname(createRequire(import.meta.url).resolve('@kf/devstack/package.json'));
  return [
    `-Xmx${heapMb}m`,
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(devstack, 'assets', 'tools-log4j2.properties')}`,
  ];
}

const SHARE_CONSUME = fileURLToPath(new URL('../java/ShareConsume.java', import.meta.url));

/**
 * The classpath of the bench's Java share-group consumer: its class compiled with `javac`
 * against the broker's own jars, once per source and Kafka version (kept in the devstack
 * cache under `bench-java/<hash>`), then those jars.
 */
export async function shareConsumeClasspath(log: (line: string) => void): Promise<string> {
  const libs = await ensureKafkaJars(log);
  const source = readFileSync(SHARE_CONSUME);
  const hash = createHash('sha256')
    .update(source)
    .update(basename(dirname(kafkaLibDir())))
    .digest('hex')
    .slice(0, 16);
  const classes = join(cacheHome(), 'bench-java', hash);
  const jars = join(libs, '*');
  if (!existsSync(join(classes, '.complete'))) {
    log(`compiling ${basename(SHARE_CONSUME)} into ${classes}`);
    const partial = `${classes}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    try {
      await run(javacCommand(), ['-d', partial, '-cp', jars, SHARE_CONSUME], {
        timeout: 5 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`javac ${SHARE_CONSUME} failed:\n${stdout}${stderr}`, { cause: error });
    }
    writeFileSync(join(partial, '.complete'), `${new Date().toISOString()}\n`);
    rmSync(classes, { recursive: true, force: true });
    renameSync(partial, classes);
  }
  return `${classes}:${jars}`;
}
