import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackStartError } from '../errors.js';
import { type ManagedProcess, startProcess } from '../managed-process.js';
import { assetPath, newRunDir } from '../paths.js';
import { freePorts } from '../ports.js';
import { LOOPBACK } from '../redis/redis-instance.js';
import {
  cleanupOnFailure,
  type ServiceHandle,
  type StartOptions,
  serviceHandle,
} from '../service.js';
import { waitUntil } from '../wait-until.js';
import { ensureKafkaJars, kafkaVersion } from './jars.js';
import { kafkaClient } from './topics.js';

const run = promisify(execFile);

export interface KafkaBrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  controllerPort: number;
}

export interface KafkaInfo {
  version: string;
  /** `host:port` of every broker, for `bootstrapBrokers`. */
  brokers: string[];
  nodes: KafkaBrokerInfo[];
}

export type KafkaService = ServiceHandle<KafkaInfo>;

export interface KafkaStartOptions extends StartOptions {
  /** 1 (default) or 3: three brokers get replication factor 3 and `min.insync.replicas=2`. */
  brokers?: 1 | 3;
  /** Heap of each broker's JVM; default 512 MiB. */
  heapMb?: number;
}

/**
 * Apache Kafka in KRaft mode, each node a combined broker and controller, on loopback.
 * Ready once every broker is in the cluster metadata and a controller is elected.
 */
export async function startKafka(options: KafkaStartOptions = {}): Promise<KafkaService> {
  const count = options.brokers ?? 1;
  const libs = await ensureKafkaJars(options.log);
  const classpath = join(libs, '*');
  const ports = await freePorts(count * 2);
  const nodes: KafkaBrokerInfo[] = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    host: LOOPBACK,
    port: ports[i] as number,
    controllerPort: ports[count + i] as number,
  }));
  const runDir = newRunDir(count === 1 ? 'kafka' : 'kafka3');
  const clusterId = randomBytes(16).toString('base64url');
  const configs = nodes.map((node) => writeBrokerConfig(runDir, node, nodes));
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
      await waitUntil(() => clusterReady(brokers, count), {
        what: `Kafka (${count} broker${count > 1 ? 's' : ''})`,
        timeoutMs: 90_000,
        intervalMs: 250,
        abortIf: () => {
          const dead = processes.find((p) => !p.running);
          return dead ? `${dead.name} exited` : undefined;
        },
      });
    } catch (error) {
      const logs = processes.map((p) => `--- ${p.logFile} ---\n${p.logTail(30)}`).join('\n');
      throw new DevstackStartError(`${(error as Error).message}\n${logs}`, { cause: error });
    }
    return serviceHandle(
      count === 1 ? 'kafka' : 'kafka3',
      runDir,
      { version: kafkaVersion(), brokers, nodes },
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

function writeBrokerConfig(runDir: string, node: KafkaBrokerInfo, all: KafkaBrokerInfo[]): string {
  const dir = join(runDir, `node-${node.nodeId}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const replication = all.length;
  const minIsr = replication >= 3 ? 2 : 1;
  const lines = [
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${all.map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${node.host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
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

async function clusterReady(brokers: string[], count: number): Promise<true | undefined> {
  const admin = kafkaClient(brokers).admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return cluster.brokers.length === count && cluster.controller !== null ? true : undefined;
  } finally {
    await admin.disconnect();
  }
}
