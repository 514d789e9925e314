import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, groupKeys, type KfConfigInput } from '@kf/core';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  masterOf,
  parseInfo,
  type RedisCluster,
  startRedisCluster,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import type { Admin } from 'kafkajs';
import pRetry from 'p-retry';
import { type ChaosNode, type ChaosNodeSpec, startChaosNode } from './chaos-nodes.js';
import { type ChaosProducer, startChaosProducer } from './chaos-producer.js';
import { checkRun, type RunVerdict } from './check-run.js';
import { readLog } from './read-log.js';
import { Respawner } from './respawn.js';
import type { ErrorListed, FaultRecord, LogRecord, RunRecord } from './run-record.js';
import { readSavedOffsets, savedOffsetRollbacks } from './saved-offsets.js';
import type { EpisodePlan, Step } from './schedule.js';

/** The consumer configuration of every chaos node; bounds below derive from it. */
export const CHAOS_CONF = {
  useEarliest: true,
  consumeStep: 100,
  leaseTtlMs: 3_000,
  leaderLockTtlMs: 2_000,
  handlerTimeoutMs: 1_000,
  metadataMaxAgeMs: 2_000,
} as const;

/** A `hang:` message keeps its handler this long past `handlerTimeoutMs`, ignoring its signal. */
const OVERRUN_MS = 500;
/** `close()` of a node asked to leave mid-unit: twice the handler timeout, so a hang is given up. */
const CLOSE_TIMEOUT_MS = 2 * CHAOS_CONF.handlerTimeoutMs;
/**
 * How long before a Redis master's SIGKILL its writes may be missing on the replica that
 * replaces it. Replication on loopback trails by well under a millisecond; the window
 * allows for the replica process waiting for a core on a loaded two-core machine.
 */
const REDIS_LOSS_WINDOW_MS = 1_000;
/**
 * After a fault ends, failures and redeliveries it caused may still surface for: a
 * unit's retries with kf's default backoff (100 ms doubling, capped at 5 s, 10 attempts)
 * span about 21 s; metadata is reloaded every `metadataMaxAgeMs`.
 */
const SETTLE_MS = 21_000 + CHAOS_CONF.metadataMaxAgeMs;

export interface Stack {
  kafka: KafkaService;
  /** Kills and restarts Kafka brokers; shared by the run's episodes. */
  brokers: Respawner;
  /** The pid of each broker now (it changes when one is started again). */
  brokerPids: Map<number, number>;
}

export interface EpisodeResult {
  plan: EpisodePlan;
  verdict: RunVerdict;
  faults: FaultRecord[];
  produced: number;
  produceFailures: number;
  wallMs: number;
}

/** Runs one episode of a chaos run: its own topics, group and Redis Cluster. */
export async function runEpisode(
  stack: Stack,
  plan: EpisodePlan,
  name: string,
  log: (line: string) => void,
  drainTimeoutMs: number,
): Promise<EpisodeResult> {
  const started = Date.now();
  const brokers = stack.kafka.info.brokers;
  const topics = [0, 1, 2].map((i) => `${name}-t${i}`);
  for (const topic of topics) await createTopic(brokers, { topic, partitions: plan.partitions });
  const redis = await startRedisCluster();
  const redisRespawner = new Respawner();
  const admin = kafkaClient(brokers, 'kf-chaos-admin').admin();
  await admin.connect();
  const nodes: ChaosNode[] = [];
  const pending: Array<Promise<unknown>> = [];
  const faults: FaultRecord[] = [];
  const harnessErrors: string[] = [];
  let producer: ChaosProducer | undefined;
  try {
    const config: ChaosNodeSpec['config'] & KfConfigInput = {
      bootstrapBrokers: brokers,
      redis: { host: redis.info.nodes.map((n) => `${n.host}:${n.port}`), groupName: name },
      conf: { ...CHAOS_CONF, ordering: plan.ordering },
    };
    const subscribed = new Set(topics.slice(0, 2));
    let nodeCount = 0;
    const startNode = async () => {
      const node = await startChaosNode({
        config,
        topics: [...subscribed],
        nodeId: `${name}-n${nodeCount++}`,
        overrunMs: OVERRUN_MS,
      });
      nodes.push(node);
      log(`[chaos] ${node.nodeId} started, pid ${node.pid}`);
      return node;
    };
    for (let i = 0; i < plan.nodes; i++) await startNode();
    producer = startChaosProducer(stack.kafka, topics, plan);

    const faultStart = Date.now();
    const context: StepContext = {
      stack,
      redis,
      redisRespawner,
      admin,
      group: name,
      topics,
      subscribed,
      nodes,
      producer,
      faults,
      busy: new Set(),
      log,
      down: {},
      startNode,
      later: (p) =>
        pending.push(
          p.catch((error: unknown) => {
            harnessErrors.push(String(error));
            log(`[chaos] ${name}: ${error}`);
          }),
        ),
    };
    for (const step of plan.steps) {
      const wait = faultStart + step.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      // A step that fails is a finding of the run, not the end of it: recorded, and the
      // schedule goes on.
      await bounded(
        runStep(context, step),
        STEP_TIMEOUT_MS,
        `step ${step.kind} at ${step.atMs} ms`,
      ).catch((error: unknown) => {
        harnessErrors.push(`${step.kind} at ${step.atMs} ms: ${error}`);
        log(`[chaos] ${name} step ${step.kind} failed: ${error}`);
      });
      const done = faults.at(-1);
      log(
        `[chaos] ${name} +${((Date.now() - faultStart) / 1_000).toFixed(1)} s ${step.kind}: ${done?.kind === step.kind ? `${done.nodeId ?? ''} ${done.detail}` : 'skipped'}`,
      );
    }
    await bounded(Promise.all(pending), STEP_TIMEOUT_MS, 'faults still under way at the end');
    log(`[chaos] ${name}: schedule done, draining`);
    const { produced, failures } = await producer.stop();
    producer = undefined;

    const truth = await readLog(brokers, topics, 60_000);
    const keys = groupKeys(name);
    const reader = await createRedis({ host: config.redis.host as string[], groupName: name });
    try {
      const errorList = async () => decodeErrorList(await reader.listRange(keys.error, 0, -1));
      const delivered = () => {
        const seen = new Set<string>();
        for (const n of nodes)
          for (const e of n.events)
            if (e.type === 'batch')
              for (const o of e.offsets) seen.add(`${e.unit.topic}/${e.unit.partition}/${o}`);
        return seen;
      };
      await waitUntil(
        async () => {
          const seen = delivered();
          const { listed } = await errorList();
          const isListed = (r: LogRecord) =>
            listed.some(
              (e) =>
                e.topic === r.topic &&
                e.partition === r.partition &&
                r.offset >= e.offset &&
                r.offset < e.offset + e.len,
            );
          // Drained: every offset delivered or error-listed, every poison on the error list
          // (its unit may still be retrying after its offsets were seen), nothing queued or
          // held by a node.
          const open = truth.filter(
            (r) =>
              (!seen.has(`${r.topic}/${r.partition}/${r.offset}`) || r.marker === 'poison') &&
              !isListed(r),
          );
          const queued = await reader.listLength(keys.work);
          let held = 0;
          for (const n of nodes) held += await reader.listLength(keys.working(n.nodeId));
          return open.length === 0 && queued === 0 && held === 0 ? true : undefined;
        },
        { what: `episode ${name} drained`, timeoutMs: drainTimeoutMs, intervalMs: 500 },
      ).catch((error: unknown) => log(`[chaos] ${name}: ${error}`));
      const leftWorking: string[] = [];
      for (const n of nodes) {
        for (const raw of await reader.listRange(keys.working(n.nodeId), 0, -1))
          leftWorking.push(`${n.nodeId}: ${raw}`);
      }
      const { listed, unreadable } = await errorList();
      const record: RunRecord = {
        nodes: nodes.map((n) => ({ nodeId: n.nodeId, events: n.events })),
        log: truth,
        errorList: listed,
        unreadableErrors: unreadable,
        leftWorking,
        leftQueued: await reader.listLength(keys.work),
        faults,
        harnessErrors,
        redisLossWindowMs: REDIS_LOSS_WINDOW_MS,
      };
      const verdict = checkRun(record, { kafkaSettleMs: SETTLE_MS, redisSettleMs: SETTLE_MS });
      if (verdict.violations.length > 0) {
        // What the check saw, for the reader of a violation: a replay draws the same
        // schedule, not the same interleavings, so the record may be all there is.
        const file = join(tmpdir(), `${name}-record.json`);
        await writeFile(file, JSON.stringify(record));
        log(`[chaos] ${name}: the episode's record (events, faults, log) is in ${file}`);
      }
      return {
        plan,
        verdict,
        faults,
        produced,
        produceFailures: failures,
        wallMs: Date.now() - started,
      };
    } finally {
      await reader.close();
    }
  } finally {
    await producer?.stop();
    await Promise.allSettled(pending);
    await Promise.all(nodes.map((n) => n.stop()));
    await admin.disconnect();
    await redisRespawner.stopAll();
    await redis.stop();
  }
}

function decodeErrorList(raws: string[]): { listed: ErrorListed[]; unreadable: string[] } {
  const listed: ErrorListed[] = [];
  const unreadable: string[] = [];
  for (const raw of raws) {
    const entry = JSON.parse(raw) as { unit: unknown; reason: string; detail: string };
    const unit = entry.unit as Partial<ErrorListed> | string;
    if (typeof unit === 'string' || typeof unit.topic !== 'string') unreadable.push(raw);
    else
      listed.push({
        topic: unit.topic,
        partition: Number(unit.partition),
        offset: Number(unit.offset),
        len: Number(unit.len),
        reason: entry.reason,
        detail: entry.detail,
      });
  }
  return { listed, unreadable };
}

interface StepContext {
  stack: Stack;
  redis: RedisCluster;
  redisRespawner: Respawner;
  admin: Admin;
  group: string;
  topics: string[];
  subscribed: Set<string>;
  nodes: ChaosNode[];
  producer: ChaosProducer;
  faults: FaultRecord[];
  /** Nodes stopped by SIGSTOP or closing: they answer no request until that ends. */
  busy: Set<ChaosNode>;
  /** The Redis master port and Kafka broker id a kill took down, until started again. */
  down: { redisPort?: number; broker?: number };
  startNode(): Promise<ChaosNode>;
  log(line: string): void;
  /** Runs something that outlasts the step (a stall's end, a replacement's start). */
  later(work: Promise<unknown>): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The longest a step may take: a broker's restart and registration (60 s bound below)
 * is the slowest; a step past it has hung and fails the run, naming itself.
 */
const STEP_TIMEOUT_MS = 90_000;

/**
 * An admin request, tried again while a broker the client was talking to is down (a
 * broker kill is one of the faults): 8 tries over about 13 s, past the 9 s it takes the
 * controller to fence a dead broker.
 */
function adminCall<T>(request: () => Promise<T>): Promise<T> {
  return pRetry(request, { retries: 7, minTimeout: 250, maxTimeout: 4_000 });
}

async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runStep(c: StepContext, step: Step): Promise<void> {
  const live = c.nodes.filter((n) => n.alive);
  const at = Date.now();
  // A step that waited for a node to act on is recorded when it acted.
  const record = (fault: Omit<FaultRecord, 'at' | 'kind'> & { at?: number }) => {
    const f: FaultRecord = { kind: step.kind, at, ...fault };
    c.faults.push(f);
    return f;
  };
  const replace = (ms: number) => c.later(sleep(ms).then(() => c.startNode()));
  switch (step.kind) {
    case 'node-kill':
    case 'leader-kill': {
      const leader = step.kind === 'leader-kill' ? live.find(isLeader) : undefined;
      const victim =
        leader ?? (await nodeFor(c, step, (live) => live[(step.node ?? 0) % live.length]));
      victim.signal('SIGKILL');
      record({
        at: Date.now(),
        nodeId: victim.nodeId,
        detail:
          step.kind === 'leader-kill' && !leader
            ? 'no leader seen: a node killed instead'
            : 'SIGKILL',
      });
      replace(step.ms ?? 0);
      return;
    }
    case 'node-stall': {
      const victim = await nodeFor(c, step, (live) => {
        const free = notBusy(c, live);
        return free[(step.node ?? 0) % free.length];
      });
      c.busy.add(victim);
      victim.signal('SIGSTOP');
      const f = record({
        at: Date.now(),
        nodeId: victim.nodeId,
        detail: `SIGSTOP for ${step.ms} ms`,
      });
      c.later(
        sleep(step.ms ?? 0).then(() => {
          if (victim.alive) victim.signal('SIGCONT');
          c.busy.delete(victim);
          f.endAt = Date.now();
        }),
      );
      return;
    }
    case 'node-close': {
      // Mid-unit: the node that has claimed the most units it has not completed yet.
      const victim = await nodeFor(
        c,
        step,
        (live) => notBusy(c, live).sort((a, b) => openUnits(b) - openUnits(a))[0],
      );
      c.busy.add(victim);
      const f = record({
        at: Date.now(),
        nodeId: victim.nodeId,
        detail: `close() holding ${openUnits(victim)} units`,
      });
      c.later(victim.close(CLOSE_TIMEOUT_MS).then(() => (f.endAt = Date.now())));
      replace(step.ms ?? 0);
      return;
    }
    case 'redis-master-kill': {
      const seed = liveRedisNode(c);
      const { master } = await masterOf(seed, `${groupKeys(c.group).work}`);
      const pid = Number(parseInfo(await withRedis(master, (r) => r.info('server'))).process_id);
      // Without a replica streaming from it, the one promoted may lack writes from long
      // before the kill: the checker must not hold it to the usual loss window.
      const inStep = await hasReplicaInStep(master, c.redis.info.nodes);
      // Compared with the promoted replica's below: what the kill undid, read from Redis.
      const savedBefore = await readSavedOffsets(master, c.group);
      c.redisRespawner.kill(`redis:${master.port}`, pid, (dir) => [
        'redis-server',
        join(dir, 'redis.conf'),
      ]);
      c.down.redisPort = master.port;
      // The master it lost its replica with: promoted at that kill, or one whose replica
      // fell behind at some time unknown (the episode's start).
      const previousKill = c.faults.filter((x) => x.kind === 'redis-master-kill').at(-1);
      const f = record({ detail: `master ${master.port} of the group's slot SIGKILLed` });
      if (!inStep) {
        f.lossFrom = previousKill === undefined ? 0 : previousKill.at - REDIS_LOSS_WINDOW_MS;
        f.detail += `; no replica streaming from it: its writes since ${
          previousKill === undefined ? "the episode's start" : 'the last master kill'
        } may be lost`;
      }
      c.later(
        waitUntil(
          async () => {
            const now = await masterOf(liveRedisNode(c, master.port), groupKeys(c.group).work);
            return now.master.port !== master.port ? now.master : undefined;
          },
          { what: 'a replica promoted', timeoutMs: 60_000, intervalMs: 100 },
        ).then(
          async (promoted) => {
            f.endAt = Date.now();
            // Read at once: a new leader's schedules would soon cover a rollback up.
            const rolledBack = savedOffsetRollbacks(
              savedBefore,
              await readSavedOffsets(promoted, c.group),
            );
            if (rolledBack.length === 0) return;
            f.rolledBack = rolledBack;
            const rollbacks = `saved offsets rolled back on ${promoted.port}: ${rolledBack
              .map((r) => `${r.topic}/${r.partition} ${r.to}→${r.from}`)
              .join(', ')}`;
            f.detail += `; ${rollbacks}`;
            // The kill's line is out already: the evidence gets its own.
            c.log(`[chaos] ${c.group}: master ${master.port} killed: ${rollbacks}`);
          },
          async (error: unknown) => {
            // Redis Cluster itself did not fail over (a replica too recently resynced, a
            // vote not reached): the schedule goes on with the master down until its
            // restart, and the run says so.
            const nodes = await withRedis(liveRedisNode(c, master.port), (r) =>
              r.call('CLUSTER', 'NODES'),
            ).catch((e: unknown) => `CLUSTER NODES failed: ${e}`);
            f.detail += '; no replica promoted within 60 s';
            c.log(`[chaos] ${c.group}: ${error}; the cluster then:\n${nodes}`);
          },
        ),
      );
      return;
    }
    case 'redis-restart': {
      const port = c.down.redisPort;
      if (port === undefined) throw new Error('a Redis restart without a Redis master down');
      c.down.redisPort = undefined;
      c.redisRespawner.restart(`redis:${port}`);
      // Back as a replica in step with the new master before the schedule goes on, so a
      // later master kill has a replica to promote.
      let saidMaster = false;
      await waitUntil(
        async () => {
          const info = parseInfo(
            await withRedis({ host: '127.0.0.1', port }, (r) => r.info('replication')),
          );
          // A replica streaming from the master promoted in its place, or the master again
          // when no replica was promoted while it was down — as the rest of the cluster
          // sees it: a server started on its data says it is master until told otherwise.
          const { master } = await masterOf(liveRedisNode(c, port), groupKeys(c.group).work);
          if (master.port !== port) {
            if (info.role === 'master' && !saidMaster) {
              saidMaster = true;
              c.log(
                `[chaos] ${c.group}: Redis ${port} started as master, ${master.port} holds its slots: waiting until it streams from ${master.port}`,
              );
            }
            return info.role === 'slave' && (await hasReplicaInStep(master, [{ port }]))
              ? true
              : undefined;
          }
          const cluster = parseInfo(
            String(await withRedis({ host: '127.0.0.1', port }, (r) => r.call('CLUSTER', 'INFO'))),
          );
          return info.role === 'master' && cluster.cluster_state === 'ok' ? true : undefined;
        },
        { what: `Redis ${port} back`, timeoutMs: 30_000, intervalMs: 100 },
      ).catch((error: unknown) => {
        throw new Error(`${error}; its output:\n${c.redisRespawner.logTail(`redis:${port}`)}`);
      });
      record({ detail: `server ${port} started again on its data, back in the cluster` });
      // With no replica promoted, the outage of the group's slot ended here.
      const kill = c.faults.filter((f) => f.kind === 'redis-master-kill').at(-1);
      if (kill !== undefined && kill.endAt === undefined) kill.endAt = Date.now();
      return;
    }
    case 'kafka-broker-kill': {
      const [meta] = (
        await adminCall(() => c.admin.fetchTopicMetadata({ topics: [c.topics[0] as string] }))
      ).topics;
      const partitions = meta?.partitions ?? [];
      const leader =
        partitions[(step.partition ?? 0) % Math.max(1, partitions.length)]?.leader ?? 1;
      const pid = c.stack.brokerPids.get(leader);
      if (pid === undefined) throw new Error(`no pid known for broker ${leader}`);
      c.stack.brokers.kill(`broker:${leader}`, pid);
      c.down.broker = leader;
      record({ detail: `broker ${leader} SIGKILLed` });
      return;
    }
    case 'kafka-broker-restart': {
      const id = c.down.broker;
      if (id === undefined) throw new Error('a broker restart without a broker down');
      c.down.broker = undefined;
      c.stack.brokerPids.set(id, c.stack.brokers.restart(`broker:${id}`));
      const down = c.faults.filter((f) => f.kind === 'kafka-broker-kill').at(-1);
      if (down) down.endAt = Date.now();
      // Registered with the controller again before the schedule goes on, so a later
      // broker kill leaves two brokers up.
      await waitUntil(
        async () =>
          (await c.admin.describeCluster()).brokers.some((b) => b.nodeId === id) ? true : undefined,
        { what: `broker ${id} back in the cluster`, timeoutMs: 60_000, intervalMs: 250 },
      );
      record({ detail: `broker ${id} started again on its data, registered` });
      return;
    }
    case 'partitions-add': {
      const topic = c.topics[step.topic ?? 0] as string;
      const count = step.partitions ?? 0;
      // Looked at again on each try: a try whose answer was lost may have added them.
      const grown = await adminCall(async () => {
        const [meta] = (await c.admin.fetchTopicMetadata({ topics: [topic] })).topics;
        if ((meta?.partitions.length ?? 0) >= count) return false;
        await c.admin.createPartitions({ topicPartitions: [{ topic, count }] });
        return true;
      });
      // Not grown: a try whose answer was lost grew it, or the topic had them already.
      c.producer.partitionsNow(topic, count);
      record({
        detail: `${topic} to ${count} partitions${grown ? '' : ' (found there on a retry)'}`,
      });
      return;
    }
    case 'topic-add':
    case 'topic-remove': {
      const topic = c.topics[step.topic ?? 2] as string;
      const via = await nodeFor(c, step, (live) => notBusy(c, live)[0]);
      if (step.kind === 'topic-add') c.subscribed.add(topic);
      else c.subscribed.delete(topic);
      await via.changeTopics(step.kind === 'topic-add' ? 'addTopics' : 'removeTopics', [topic]);
      record({ detail: topic });
      return;
    }
    default:
      throw new Error(`step ${step.kind} has no action`);
  }
}

/** How long a node step waits for a node to act on: see `nodeFor`. */
const NODE_WAIT_MS = 60_000;

/**
 * The node `pick` chooses among the running ones. When a burst of kills left none it
 * can take, it waits for the first replacement up (each starts within 2 s of its kill,
 * plus its start on a loaded machine; NODE_WAIT_MS bounds it): a step is carried out
 * late, never skipped unsaid.
 */
async function nodeFor(
  c: StepContext,
  step: Step,
  pick: (live: ChaosNode[]) => ChaosNode | undefined,
): Promise<ChaosNode> {
  return waitUntil(async () => pick(c.nodes.filter((n) => n.alive)), {
    what: `a running node for ${step.kind}`,
    timeoutMs: NODE_WAIT_MS,
    intervalMs: 100,
  });
}

/** The nodes no other fault holds (a stall, a close). */
function notBusy(c: StepContext, nodes: ChaosNode[]): ChaosNode[] {
  return nodes.filter((n) => !c.busy.has(n));
}

function isLeader(node: ChaosNode): boolean {
  const last = node.events
    .filter((e) => e.type === 'leaderGained' || e.type === 'leaderLost')
    .at(-1);
  return last?.type === 'leaderGained';
}

function openUnits(node: ChaosNode): number {
  let open = 0;
  for (const e of node.events) {
    if (e.type === 'unitClaimed') open += 1;
    else if (e.type === 'unitCompleted' || e.type === 'unitFailed') open -= 1;
  }
  return open;
}

/**
 * Whether one of `replicas` streams from `master` (`state=online` in its INFO: the full
 * sync done, the link up), so the master's writes reach it within moments.
 */
async function hasReplicaInStep(
  master: { host: string; port: number },
  replicas: Array<{ port: number }>,
): Promise<boolean> {
  const info = parseInfo(await withRedis(master, (r) => r.info('replication')));
  return Object.entries(info).some(
    ([key, value]) =>
      /^slave\d+$/.test(key) &&
      /(^|,)state=online(,|$)/.test(value) &&
      replicas.some((r) => new RegExp(`(^|,)port=${r.port}(,|$)`).test(value)),
  );
}

function liveRedisNode(c: StepContext, except?: number): { host: string; port: number } {
  const up = c.redis.info.nodes.find(
    (n) => n.port !== except && !c.redisRespawner.isDown(`redis:${n.port}`),
  );
  if (up === undefined) throw new Error('no Redis node is up');
  return { host: up.host, port: up.port };
}
