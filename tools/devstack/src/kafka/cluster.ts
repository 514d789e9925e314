import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackStartError } from '../errors.js';
import { type ManagedProcess, readLogTail, startProcess } from '../managed-process.js';
import { assetPath, newRunDir } from '../paths.js';
import { freePorts, portTakenError, withPortRetry } from '../ports.js';
import { LOOPBACK, stopAll } from '../redis/redis-instance.js';
import {
  cleanupOnFailure,
  type ServiceHandle,
  type StartOptions,
  serviceHandle,
} from '../service.js';
import { waitUntil } from '../wait-until.js';
import { ensureKafkaJars, kafkaVersion } from './jars.js';
import { generateKafkaKeystores } from './keystores.js';
import {
  createScramUser,
  type KafkaSecureInfo,
  newCredentials,
  type SecureSetup,
  secureListenerLines,
  secureListenersReady,
} from './secure-listeners.js';
import { kafkaClient } from './topics.js';

const run = promisify(execFile);

export interface KafkaBrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  controllerPort: number;
  /** With `secure: true`: the broker's TLS listener. */
  tlsPort?: number;
  /** With `secure: true`: the broker's SASL_SSL listener. */
  saslPort?: number;
}

export interface KafkaInfo {
  version: string;
  /** `host:port` of every broker, for `bootstrapBrokers`. */
  brokers: string[];
  nodes: KafkaBrokerInfo[];
  /** With `secure: true`: the TLS and SASL_SSL listeners, the CA to trust, the users. */
  secure?: KafkaSecureInfo;
}

export type KafkaService = ServiceHandle<KafkaInfo>;

export interface KafkaStartOptions extends StartOptions {
  /** 1 (default) or 3: three brokers get replication factor 3 and `min.insync.replicas=2`. */
  brokers?: 1 | 3;
  /** Heap of each broker's JVM; default 512 MiB. */
  heapMb?: number;
  /**
   * Adds, on every broker, a TLS listener and a SASL_SSL listener (SCRAM-SHA-512 and
   * PLAIN) beside the plaintext one, with certificates made by `keytool` for this run
   * (`info.secure`). The brokers talk among themselves in plaintext.
   */
  secure?: boolean;
}

/**
 * How long the brokers may take to be ready once started: a JVM start, the KRaft quorum
 * electing a controller and every broker registering take about 10 s for one broker and
 * 20 s for three on an idle two-core machine, and up to 60 s for three were seen with
 * the load average at 20 from other suites; 120 s is twice the worst seen.
 */
export const READY_TIMEOUT_MS = 120_000;
/**
 * How long formatting one broker's storage may take: a JVM start and a few files, about
 * 3 s idle and up to 20 s seen at load 20 (three run at once for three brokers); 60 s is
 * three times the worst seen.
 */
export const FORMAT_TIMEOUT_MS = 60_000;

/**
 * Apache Kafka in KRaft mode, each node a combined broker and controller, on loopback.
 * Ready once every broker is in the cluster metadata and a controller is elected.
 * Ports are picked before the storage format, seconds before a broker binds them: one
 * taken meanwhile makes a broker exit on EADDRINUSE, and the start begins again on new
 * ports.
 */
export async function startKafka(options: KafkaStartOptions = {}): Promise<KafkaService> {
  const count = options.brokers ?? 1;
  const libs = await ensureKafkaJars(options.log);
  return withPortRetry(
    `Kafka (${count} broker${count > 1 ? 's' : ''})`,
    async ({ runDirs }) => {
      const ports = await freePorts(count * (options.secure ? 4 : 2));
      const runDir = newRunDir(count === 1 ? 'kafka' : 'kafka3');
      runDirs.push(runDir);
      return startOn(ports, runDir, libs, options);
    },
    options.log,
  );
}

async function startOn(
  ports: number[],
  runDir: string,
  libs: string,
  options: KafkaStartOptions,
): Promise<KafkaService> {
  const count = options.brokers ?? 1;
  const classpath = join(libs, '*');
  const nodes: KafkaBrokerInfo[] = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    host: LOOPBACK,
    port: ports[i] as number,
    controllerPort: ports[count + i] as number,
    ...(options.secure
      ? { tlsPort: ports[2 * count + i] as number, saslPort: ports[3 * count + i] as number }
      : {}),
  }));
  const clusterId = randomBytes(16).toString('base64url');
  const secure: SecureSetup | undefined = options.secure
    ? {
        keystores: await generateKafkaKeystores(join(runDir, 'tls')),
        scram: newCredentials('kf-scram'),
        plain: newCredentials('kf-plain'),
      }
    : undefined;
  const configs = nodes.map((node) => writeBrokerConfig(runDir, node, nodes, secure));
  await Promise.all(configs.map((config) => formatStorage(classpath, clusterId, config)));
  const processes: ManagedProcess[] = [];
  const brokers = nodes.map((n) => `${n.host}:${n.port}`);
  return cleanupOnFailure(processes, async () => {
    for (const [i, node] of nodes.entries()) {
      processes.push(
        startProcess({
          name: `kafka-${node.nodeId}`,
          command: javaCommand(),
          args: [
            ...jvmArgs(options.heapMb ?? 512),
            '-cp',
            classpath,
            'kafka.Kafka',
            configs[i] as string,
          ],
          cwd: join(runDir, `node-${node.nodeId}`),
          logFile: join(runDir, `node-${node.nodeId}`, 'server.log'),
          owner: options.owner ?? 'api',
        }),
      );
    }
    try {
      await waitUntil(() => clusterReady(brokers, count, clusterId), {
        what: `Kafka (${count} broker${count > 1 ? 's' : ''})`,
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 250,
        abortIf: () => {
          const dead = processes.find((p) => !p.running);
          return dead ? `${dead.name} exited` : undefined;
        },
      });
    } catch (error) {
      const dead = processes.filter((p) => !p.running);
      // Every broker is stopped before the logs are read, so their last lines are in.
      await stopAll(processes);
      const logs = processes
        .map((p) => `--- ${p.logFile} ---\n${readLogTail(p.logFile, 30)}`)
        .join('\n');
      const message = `${(error as Error).message}\n${logs}`;
      for (const p of dead) {
        const log = readLogTail(p.logFile, Number.POSITIVE_INFINITY);
        const taken = portTakenError({ name: p.name, role: 'broker' }, log, message, error);
        if (taken) throw taken;
      }
      throw new DevstackStartError(message, { cause: error });
    }
    const secureInfo = secure && (await secureListenersUp(brokers, nodes, secure));
    return serviceHandle(
      count === 1 ? 'kafka' : 'kafka3',
      runDir,
      { version: kafkaVersion(), brokers, nodes, ...(secureInfo ? { secure: secureInfo } : {}) },
      processes,
    );
  });
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function jvmArgs(heapMb: number): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${assetPath('log4j2.properties')}`,
  ];
}

/**
 * Creates the SCRAM user and waits until both SASL mechanisms log in on every broker,
 * so a test can use the secured listeners as soon as the start returns.
 */
async function secureListenersUp(
  brokers: string[],
  nodes: KafkaBrokerInfo[],
  setup: SecureSetup,
): Promise<KafkaSecureInfo> {
  const info: KafkaSecureInfo = {
    tlsBrokers: nodes.map((n) => `${n.host}:${n.tlsPort}`),
    saslBrokers: nodes.map((n) => `${n.host}:${n.saslPort}`),
    caPem: setup.keystores.caPem,
    otherCaPem: setup.keystores.otherCaPem,
    scram: setup.scram,
    plain: setup.plain,
  };
  await createScramUser(brokers, setup.scram);
  await waitUntil(() => secureListenersReady(info), {
    what: 'Kafka SASL_SSL logins',
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 250,
  });
  return info;
}

function writeBrokerConfig(
  runDir: string,
  node: KafkaBrokerInfo,
  all: KafkaBrokerInfo[],
  secure: SecureSetup | undefined,
): string {
  const dir = join(runDir, `node-${node.nodeId}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const replication = all.length;
  const minIsr = replication >= 3 ? 2 : 1;
  const served = [
    `PLAINTEXT://${node.host}:${node.port}`,
    ...(secure
      ? [`SSL://${node.host}:${node.tlsPort}`, `SASL_SSL://${node.host}:${node.saslPort}`]
      : []),
  ];
  const lines = [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${all.map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`).join(',')}`,
    `listeners=${[...served, `CONTROLLER://${node.host}:${node.controllerPort}`].join(',')}`,
    `advertised.listeners=${served.join(',')}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SSL:SSL,SASL_SSL:SASL_SSL' : ''}`,
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replication}`,
    // Fewer internal partitions than production's 50: the first group join creates them all.
    'offsets.topic.num.partitions=8',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=8',
    `share.coordinator.state.topic.replication.factor=${replication}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'unclean.leader.election.enable=false',
    'group.initial.rebalance.delay.ms=0',
    ...(secure ? secureListenerLines(secure) : []),
  ];
  const file = join(dir, 'server.properties');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function formatStorage(classpath: string, clusterId: string, config: string): Promise<void> {
  try {
    await run(
      javaCommand(),
      [
        `-Dlog4j2.configurationFile=${assetPath('log4j2.properties')}`,
        '-Dlog4j2.level=WARN',
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--ignore-formatted',
        // One argument, `--cluster-id=…`: a base64url id may start with '-', which the
        // tool's parser would take for an option of its own.
        `--cluster-id=${clusterId}`,
        '-c',
        config,
      ],
      { timeout: FORMAT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new DevstackStartError(
      `formatting Kafka storage (${config}) failed:\n${stderr || stdout}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Ready when the brokers at `brokers` form the cluster this start formatted: its id
 * tells it from another Kafka a port of ours might reach on a shared machine.
 */
async function clusterReady(
  brokers: string[],
  count: number,
  clusterId: string,
): Promise<true | undefined> {
  const admin = kafkaClient(brokers).admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return cluster.clusterId === clusterId &&
      cluster.brokers.length === count &&
      cluster.controller !== null
      ? true
      : undefined;
  } finally {
    await admin.disconnect();
  }
}
