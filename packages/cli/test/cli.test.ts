import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNode, type KfNode } from '@kf/consumer';
import {
  createTopic,
  type KafkaService,
  kafkaClient,
  type RedisSingle,
  startKafka,
  startRedisSingle,
  startTogether,
  waitUntil,
  withRedis,
} from '@kf/devstack';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const packageDir = join(import.meta.dirname, '..');
const cliPath = join(packageDir, 'dist', 'cli.js');

/**
 * One run of the binary: Node loads kafkajs and ioredis and makes a few round trips, 0.4
 * to 1 s here; 20 s ends a run that hangs (a connection left open) without failing a slow
 * but working machine.
 */
const RUN_TIMEOUT_MS = 20_000;
/** No timing claim: only ends a failing wait. */
const WAIT_MS = 20_000;
/**
 * The first consumption waits for the broker's group coordinator (a new group's node
 * reads the Kafka group's committed offsets before it starts a partition), which a
 * fresh broker creates on first use: seconds, more on a loaded machine.
 */
const FIRST_CONSUMPTION_MS = 90_000;
const TOPIC = 'cli-orders';
const GROUP = 'cli-group';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `kf` as a user would, with only the environment given. */
async function kf(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: RUN_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The lines of an output, without the final newline. */
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('the kf binary against a running group', () => {
  let kafka: KafkaService;
  let redis: RedisSingle;
  let node: KfNode;
  let dir: string;
  let flags: string[];
  /** Before the first record was produced: a reset to it goes back to each log's start. */
  let beforeProducing: Date;
  /** Offsets the node handled, per partition, in order. */
  const seen: Array<{ partition: number; offset: number }> = [];

  beforeAll(async () => {
    // `pnpm test` builds every package first (turbo); a run of this file alone needs it too.
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: pnpm --filter @kf/cli build`);
    const built = statSync(cliPath).mtimeMs;
    const sources = readdirSync(join(packageDir, 'src'), { recursive: true, encoding: 'utf8' });
    const stale = sources.some((file) => statSync(join(packageDir, 'src', file)).mtimeMs > built);
    if (stale) throw new Error(`${cliPath} is older than src/: pnpm --filter @kf/cli build`);

    [kafka, redis] = await startTogether(startKafka({ brokers: 1 }), startRedisSingle());
    dir = mkdtempSync(join(tmpdir(), 'kf-cli-test-'));
    flags = [
      '--brokers',
      kafka.info.brokers.join(','),
      '--redis',
      `${redis.info.host}:${redis.info.port}`,
      '--group',
      GROUP,
    ];
    await createTopic(kafka.info.brokers, { topic: TOPIC, partitions: 2 });
    beforeProducing = new Date();
    // Idempotent: a send retried on a loaded machine must not write its batch twice, or
    // the log itself would hold more than the test counts on.
    const producer = kafkaClient(kafka.info.brokers).producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 2, value: `m-${i}` })),
    });
    await producer.disconnect();
    node = await createNode(
      {
        bootstrapBrokers: kafka.info.brokers,
        redis: { host: redis.info.host, port: redis.info.port, groupName: GROUP },
        conf: { useEarliest: true, consumeStep: 10 },
      },
      [TOPIC],
    );
    await node.run({
      eachMessage: async ({ message }) =>
        void seen.push({ partition: message.partition, offset: message.offset }),
    });
    await waitUntil(async () => (seen.length === 40 ? true : undefined), {
      what: 'the 40 messages consumed',
      timeoutMs: FIRST_CONSUMPTION_MS,
    });
  });

  afterAll(async () => {
    await node?.close({ timeoutMs: 2_000 });
    await Promise.all([kafka?.stop(), redis?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('status: leader and epoch, the lock TTL, the node, lists, topics; --json parses', async () => {
    const table = await kf(['status', ...flags]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`leader\\s+│ ${node.nodeId}, epoch \\d+, lock TTL \\d`),
    );
    expect(table.stdout).toContain(node.nodeId);
    expect(table.stdout).toMatch(/topics\s+│ cli-orders/);
    expect(table.stdout).toMatch(/paused\s+│ no/);

    const status = JSON.parse((await kf(['status', '--json', ...flags])).stdout);
    expect(status).toMatchObject({
      group: GROUP,
      leader: { held: true, nodeId: node.nodeId },
      paused: null,
      nodes: [{ nodeId: node.nodeId, live: true, inFlight: 0 }],
      work: 0,
      working: 0,
      errors: 0,
      topics: [TOPIC],
    });
  });

  test('lag: every partition settled to its log end, with a total per topic', async () => {
    const lag = JSON.parse((await kf(['lag', '--json', ...flags])).stdout);
    expect(lag.topics).toEqual([
      {
        topic: TOPIC,
        partitions: [0, 1].map((partition) => ({
          topic: TOPIC,
          partition,
          logEnd: 20,
          completed: 20,
          scheduled: 20,
          queuedUnits: 0,
          inFlightUnits: 0,
          lag: 0,
        })),
        totals: { queuedUnits: 0, inFlightUnits: 0, lag: 0 },
      },
    ]);
    const table = await kf(['lag', ...flags]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/cli-orders\s+│ 1\s+│ 20\s+│ 20\s+│ 20\s+│ 0\s+│ 0\s+│ 0/);
    expect(table.stdout).toMatch(/cli-orders\s+│ total/);
  });

  test('errors: list with filters, show, requeue, and purge only with --yes', async () => {
    const entry = (partition: number, offset: number, reason: string) =>
      JSON.stringify({
        unit: {
          r: 0,
          v: 1,
          id: `${TOPIC}/${partition}/${offset}~cli`,
          topic: TOPIC,
          partition,
          offset,
          len: 2,
          attempts: 10,
          ts: 1,
        },
        reason,
        detail: `failed at ${offset}`,
        at: 1_700_000_000_000,
      });
    await withRedis(redis.info, (c) =>
      c.call(
        'RPUSH',
        `kf:{${GROUP}}:error`,
        entry(0, 4, 'ATTEMPTS_EXHAUSTED'),
        entry(1, 6, 'OFFSET_OUT_OF_RANGE'),
      ),
    );
    const listed = JSON.parse((await kf(['errors', 'list', '--json', ...flags])).stdout);
    expect(listed.matching).toBe(2);
    const filtered = await kf(['errors', 'list', '--reason', 'offset_out_of_range', ...flags]);
    expect(filtered.stdout).toMatch(/1\s+│ OFFSET_OUT_OF_RANGE\s+│ cli-orders\/1\s+│ 6\.\.7/);
    expect(filtered.stdout).not.toContain('ATTEMPTS_EXHAUSTED');
    const shown = await kf(['errors', 'show', '0', ...flags]);
    expect(shown.stdout).toMatch(/detail\s+│ failed at 4/);

    const before = seen.length;
    const requeued = await kf(['errors', 'requeue', '--partition', '0', '--json', ...flags]);
    expect(JSON.parse(requeued.stdout)).toEqual({ requeued: 1, partitionBusy: 0, unreadable: 0 });
    await waitUntil(async () => (seen.length === before + 2 ? true : undefined), {
      what: 'the requeued unit delivered',
      timeoutMs: WAIT_MS,
    });
    expect(seen.slice(before)).toEqual([
      { partition: 0, offset: 4 },
      { partition: 0, offset: 5 },
    ]);

    const refused = await kf(['errors', 'purge', ...flags]);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      'kf: purge removes 1 entry for good: run it again with --yes',
    ]);
    const purged = await kf(['errors', 'purge', '--yes', ...flags]);
    expect([purged.code, purged.stdout]).toEqual([0, 'purged 1 entry\n']);
    expect(JSON.parse((await kf(['errors', 'list', '--json', ...flags])).stdout).matching).toBe(0);
  });

  test('pause and resume, group-wide', async () => {
    const paused = await kf(['pause', ...flags]);
    expect(paused.stdout).toMatch(/^paused: nothing new is scheduled/);
    expect((await kf(['pause', ...flags])).stdout).toMatch(/^already paused, by \S+@\S+ since /);
    const status = JSON.parse((await kf(['status', '--json', ...flags])).stdout);
    expect(status.paused.by).toMatch(/@/);
    const resumed = JSON.parse((await kf(['resume', '--json', ...flags])).stdout);
    expect(resumed).toMatchObject({ resumed: true, note: { by: status.paused.by } });
    expect(JSON.parse((await kf(['status', '--json', ...flags])).stdout).paused).toBeNull();
  });

  test('offsets reset: a dry run to a time prints old → new and moves nothing; --yes moves them and the node delivers again', async () => {
    const dry = await kf([
      'offsets',
      'reset',
      '--topic',
      TOPIC,
      '--partition',
      '1',
      '--to',
      beforeProducing.toISOString(),
      ...flags,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: nothing was moved/);
    expect(dry.stdout).toMatch(/cli-orders\/1\s+│ 20 → 0/);
    const saved = () =>
      withRedis(redis.info, (c) => c.call('HGET', `kf:{${GROUP}}:offsets`, `${TOPIC}/1`));
    expect(await saved()).toBe('20');

    const before = seen.length;
    const applied = await kf([
      'offsets',
      'reset',
      '--topic',
      TOPIC,
      '--partition',
      '1',
      '--to',
      '10',
      '--yes',
      '--json',
      ...flags,
    ]);
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toEqual({
      topic: TOPIC,
      dryRun: false,
      partitions: [{ partition: 1, from: 20, to: 10, logStart: 0, logEnd: 20 }],
      dropped: [],
      droppedUnreadable: [],
      inFlightUnits: 0,
      pause: 'reset',
      warnings: [],
    });
    await waitUntil(async () => (seen.length === before + 10 ? true : undefined), {
      what: 'offsets 10 to 19 of partition 1 delivered again',
      timeoutMs: WAIT_MS,
    });
    // Units of the range run side by side: compared in offset order.
    expect(seen.slice(before).sort((a, b) => a.offset - b.offset)).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ partition: 1, offset: 10 + i })),
    );
    expect(await saved()).toBe('20');
  });

  test("Ctrl-C during a reset lifts the reset's pause before kf leaves, and exits 130", async () => {
    const saved = () =>
      withRedis(redis.info, (c) => c.call('HGET', `kf:{${GROUP}}:offsets`, `${TOPIC}/0`));
    const before = await saved();
    // Redis holds every write while paused: the reset's own pause is asked for, and waits.
    await withRedis(redis.info, (c) => c.call('CLIENT', 'PAUSE', String(WAIT_MS), 'WRITE'));
    let stderr = '';
    const child = spawn(
      process.execPath,
      [
        cliPath,
        'offsets',
        'reset',
        '--topic',
        TOPIC,
        '--partition',
        '0',
        '--to',
        '0',
        '--yes',
        ...flags,
      ],
      { env: { PATH: process.env.PATH ?? '' } },
    );
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      await waitUntil(
        async () => {
          const clients = await withRedis(redis.info, (c) => c.call('CLIENT', 'LIST'));
          return / cmd=set /.test(String(clients)) ? true : undefined;
        },
        { what: "the reset's pause asked for", timeoutMs: WAIT_MS },
      );
      child.kill('SIGINT');
      await waitUntil(async () => (stderr.includes('SIGINT') ? true : undefined), {
        what: 'kf to say it stops',
        timeoutMs: WAIT_MS,
      });
    } finally {
      await withRedis(redis.info, (c) => c.call('CLIENT', 'UNPAUSE'));
    }
    expect(await exited).toBe(130);
    expect(lines(stderr)).toEqual([
      'kf: SIGINT: stopping the offsets reset (SIGINT again leaves at once)',
      "kf: interrupted: nothing was moved; the reset's pause was lifted",
    ]);
    expect(await withRedis(redis.info, (c) => c.exists(`kf:{${GROUP}}:paused`))).toBe(0);
    expect(await saved()).toBe(before);
  });

  test('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(await kf(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('the config from a YAML or JSON file and environment variables, flags first', async () => {
    const yamlFile = join(dir, 'kf.yaml');
    writeFileSync(
      yamlFile,
      [
        'bootstrapBrokers:',
        ...kafka.info.brokers.map((b) => `  - ${b}`),
        'redis:',
        `  host: ${redis.info.host}`,
        `  port: ${redis.info.port}`,
        '  groupName: from-file',
        '',
      ].join('\n'),
    );
    const groupOf = async (args: string[], env: Record<string, string>) =>
      JSON.parse((await kf(['status', '--json', ...args], env)).stdout).group;
    expect(await groupOf([], { KF_CONFIG: yamlFile })).toBe('from-file');
    expect(await groupOf([], { KF_CONFIG: yamlFile, KF_GROUP: 'from-env' })).toBe('from-env');
    expect(await groupOf(['--group', GROUP], { KF_CONFIG: yamlFile, KF_GROUP: 'from-env' })).toBe(
      GROUP,
    );

    const jsonFile = join(dir, 'kf.json');
    writeFileSync(
      jsonFile,
      JSON.stringify({ bootstrapBrokers: kafka.info.brokers, redis: { groupName: GROUP } }),
    );
    const viaEnv = await kf(['status', '--json', '--config', jsonFile], {
      KF_REDIS: `${redis.info.host}:${redis.info.port}`,
    });
    expect(JSON.parse(viaEnv.stdout).nodes[0].nodeId).toBe(node.nodeId);
  });

  test('user errors: one line naming what is wrong, exit 1, no stack', async () => {
    const badFile = join(dir, 'bad.yaml');
    writeFileSync(
      badFile,
      `bootstrapBrokers: ['${kafka.info.brokers[0]}']\nredis: { groupName: g }\nconf: { consumeStep: 0 }\n`,
    );
    const bad = await kf(['status', '--config', badFile]);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toEqual([
      'kf: invalid kf config: conf.consumeStep: expected a whole number of offsets, at least 1, got 0',
    ]);
    expect(bad.stdout).toBe('');

    const missing = await kf(['status', '--redis', `${redis.info.host}:${redis.info.port}`]);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).toMatch(
      /^kf: invalid kf config: bootstrapBrokers: .* redis\.groupName: .*\(set with --brokers or KF_BROKERS; --group or KF_GROUP, or in the config file\)\n$/,
    );

    const unreachable = await kf([
      'status',
      ...flags,
      '--redis',
      '127.0.0.1:1',
      '--timeout',
      '500',
    ]);
    expect(unreachable.code).toBe(1);
    expect(lines(unreachable.stderr)).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/^kf: Redis at 127\.0\.0\.1:1 is not reachable: .*500 ms/);

    const noFile = await kf(['status', '--config', join(dir, 'absent.yaml')]);
    expect(lines(noFile.stderr)).toEqual([
      `kf: cannot read the config file ${join(dir, 'absent.yaml')}: no such file`,
    ]);

    const badTarget = await kf([
      'offsets',
      'reset',
      '--topic',
      TOPIC,
      '--to',
      'yesterday',
      ...flags,
    ]);
    expect(badTarget.code).toBe(1);
    expect(badTarget.stderr).toMatch(/option '--to <target>' argument 'yesterday' is invalid/);
    for (const ran of [bad, missing, unreachable, noFile, badTarget]) {
      expect(ran.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
