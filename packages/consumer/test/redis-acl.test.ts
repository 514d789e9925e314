import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { createTopic, startRedisSingle, waitUntil, withRedis } from '@kf/devstack';
import type { Logger } from '@kf/protocol';
import type { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type GroupAdmin, openGroupAdmin } from '../src/index.js';
import { useGroupNodes } from './support/group-nodes.js';
import { compareIds, produceIds, until } from './support/produce.js';
import { useKafkaRedis } from './support/stack.js';

const DOC = new URL('../../../docs/redis.md', import.meta.url);

/**
 * The rules of the `ACL SETUSER <user> …` line docs/redis.md gives: the first line of one
 * of its ```text blocks, without the command and the user's name.
 */
function documentedRules(user: string): string[] {
  const doc = readFileSync(DOC, 'utf8');
  const firstLines = [...doc.matchAll(/^```text\n(.*)$/gm)].map((m) => (m[1] ?? '').trim());
  const line = firstLines.find((l) => l.startsWith(`ACL SETUSER ${user} `));
  if (line === undefined) {
    throw new Error(
      `docs/redis.md has no \`\`\`text block whose first line is "ACL SETUSER ${user} …": the test checks the rules that line gives`,
    );
  }
  return line.split(/\s+/).slice(3);
}

const PASSWORD = 'acl-test-secret';
/** The test's own user, for what it reads beside kf: the `default` user is switched off. */
const OPS = { username: 'ops', password: 'ops-secret' };

/** A user line of redis.conf: the documented rules, with the test's password. */
function userLine(name: string, rules: string[]): string {
  const passwords = rules.filter((r) => r.startsWith('>'));
  if (passwords.length !== 1) {
    throw new Error(`expected one >password rule in the documented line, got ${passwords.length}`);
  }
  return [name, ...rules.map((r) => (r.startsWith('>') ? `>${PASSWORD}` : r))].join(' ');
}

const kfRules = documentedRules('kf');
const monitorRules = documentedRules('kf-monitor');
/** The kf line minus one command the claim script calls. */
const withoutLmove = kfRules.filter((rule) => rule !== '+lmove');

/** Everything said to a logger, as text: fields (errors with their causes) and message. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push(`${level} ${message} ${inspect(fields, { depth: 8 })}`);
    };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

const REFUSED = /NOPERM|no permissions|can't run this command/i;

type AclEntry = Record<string, unknown>;

/** `ACL LOG`, each entry as an object (RESP2 gives flat key-value arrays). */
async function aclLog(client: Redis): Promise<AclEntry[]> {
  const entries = (await client.call('ACL', 'LOG', '1000')) as unknown[];
  return entries.map((entry) => {
    if (!Array.isArray(entry)) return entry as AclEntry;
    const object: AclEntry = {};
    for (let i = 0; i + 1 < entry.length; i += 2) object[String(entry[i])] = entry[i + 1];
    return object;
  });
}

describe('the Redis ACL docs/redis.md gives kf', () => {
  const stack = useKafkaRedis({
    redis: () =>
      startRedisSingle({
        users: [
          userLine('kf', kfRules),
          userLine('kf-monitor', monitorRules),
          userLine('kf-no-lmove', withoutLmove),
          `${OPS.username} on >${OPS.password} ~* &* +@all`,
        ],
      }),
    clientId: 'kf-acl-test',
  });
  const ops = <T>(fn: (client: Redis) => Promise<T>) => withRedis(stack.redis.info, fn, OPS);
  const { config, node } = useGroupNodes(stack, {
    prefix: 'acl-test',
    conf: { useEarliest: true, workCalculateFreq: 50, leaseTtlMs: 2_000, leaderLockTtlMs: 1_000 },
  });
  const admins: GroupAdmin[] = [];
  afterEach(async () => {
    await Promise.all(admins.splice(0).map((a) => a.close()));
  });

  beforeAll(async () => {
    // Nothing but the users under test can log in: a client that left the user out of
    // its login would be refused instead of passing as `default`.
    await withRedis(stack.redis.info, (c) => c.call('ACL', 'SETUSER', 'default', 'off'));
  });

  test('is enough for a node and the group admin: every message delivered, nothing refused', async () => {
    const topic = 'acl-orders';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 4 });
    const poison = { requeued: `${topic}-7`, purged: `${topic}-10` };
    const healed = new Set<string>();
    // db 1 makes the drivers SELECT; `partition` ordering and waitReplicas take the
    // scripts through every command they can call (ZCARD, WAIT).
    const conf = config(
      {
        ordering: 'partition',
        maxAttempts: 2,
        retryBackoffMs: 10,
        maxRetryBackoffMs: 20,
        waitReplicas: 1,
        waitTimeoutMs: 20,
      },
      { username: 'kf', password: PASSWORD, db: 1 },
    );
    const nodeLog = capturingLogger();
    const n = await node(conf, [topic], { logger: nodeLog.logger });
    const nodeErrors: Error[] = [];
    n.on('error', (error) => nodeErrors.push(error));
    const deliveries = new Map<string, Array<{ redelivered: boolean }>>();
    await n.run({
      eachMessage: async ({ message }) => {
        const id = String(message.value);
        if ((id === poison.requeued || id === poison.purged) && !healed.has(id)) {
          throw new Error(`${id} is poison`);
        }
        deliveries.set(id, [...(deliveries.get(id) ?? []), { redelivered: message.redelivered }]);
      },
    });
    const ids = await produceIds(stack.producer, topic, { count: 400, partitions: 4 });
    const healthy = ids.filter((id) => id !== poison.requeued && id !== poison.purged);
    await until(
      waitUntil,
      async () => healthy.every((id) => deliveries.has(id)) && (await n.errors.count()) === 2,
      'every healthy message delivered and both poison messages error-listed',
    );
    expect(compareIds(healthy, deliveries.keys())).toEqual({ missing: [], extra: [] });
    expect((await n.errors.list()).map((e) => e.reason)).toEqual([
      'ATTEMPTS_EXHAUSTED',
      'ATTEMPTS_EXHAUSTED',
    ]);
    await n.addTopics(['acl-extra']);
    await n.removeTopics(['acl-extra']);
    expect(await n.topics()).toEqual([topic]);

    const adminLog = capturingLogger();
    const admin = await openGroupAdmin(conf, { actor: 'ops@acl-test', logger: adminLog.logger });
    admins.push(admin);
    // docs/redis.md: two connections a node, one an admin.
    const asKf = ((await ops((c) => c.call('CLIENT', 'LIST'))) as string)
      .split('\n')
      .filter((line) => / user=kf /.test(line));
    expect(asKf).toHaveLength(3);

    const caughtUp = async () =>
      (await admin.lag()).topics.every((t) => t.partitions.every((p) => p.lag === 0));
    await until(waitUntil, caughtUp, 'the group caught up');
    const status = await admin.status();
    expect(status).toMatchObject({ errors: 2, work: 0, working: 0, topics: [topic] });
    expect(status.nodes).toMatchObject([{ nodeId: n.nodeId, live: true }]);
    expect(status.leader.nodeId).toBe(n.nodeId);
    const listed = await admin.errors.list();
    expect(listed.matching).toBe(2);
    expect((await admin.errors.show(0)).reason).toBe('ATTEMPTS_EXHAUSTED');

    // The read-only user reads the same state, and cannot write.
    const monitor = await openGroupAdmin(
      { ...conf, redis: { ...conf.redis, username: 'kf-monitor', password: PASSWORD } },
      { actor: 'dashboard@acl-test', logger: adminLog.logger },
    );
    admins.push(monitor);
    expect(await monitor.status()).toMatchObject({ errors: 2, topics: [topic] });
    expect((await monitor.lag()).topics[0]?.partitions).toHaveLength(4);
    expect((await monitor.errors.list()).matching).toBe(2);
    expect((await monitor.errors.show(1)).reason).toBe('ATTEMPTS_EXHAUSTED');
    await expect(monitor.pause()).rejects.toThrow(/pause-group/);
    await expect(monitor.errors.requeue()).rejects.toThrow(/requeue-error/);
    await monitor.close();

    healed.add(poison.requeued);
    expect(await admin.errors.requeue({ topic, partition: 3 })).toEqual({
      requeued: 1,
      partitionBusy: 0,
      unreadable: 0,
    });
    await until(waitUntil, () => deliveries.has(poison.requeued), 'the requeued unit delivered');
    expect(deliveries.get(poison.requeued)?.[0]?.redelivered).toBe(true);
    expect(await admin.errors.purge({ topic, partition: 2 })).toMatchObject({ purged: 1 });
    expect(await n.errors.count()).toBe(0);
    expect(deliveries.has(poison.purged)).toBe(false);

    expect(await admin.pause()).toMatchObject({ paused: true, note: { by: 'ops@acl-test' } });
    expect((await admin.status()).paused?.by).toBe('ops@acl-test');
    expect(await admin.resume()).toMatchObject({ resumed: true });
    expect((await admin.status()).paused).toBeNull();

    const partition0 = ids.filter((_, i) => i % 4 === 0);
    const dry = await admin.resetOffsets({ topic, partition: 0, to: 'earliest' });
    expect(dry).toMatchObject({ dryRun: true, partitions: [{ partition: 0, from: 100, to: 0 }] });
    const reset = await admin.resetOffsets({
      topic,
      partition: 0,
      to: 'earliest',
      dryRun: false,
    });
    expect(reset).toMatchObject({ dryRun: false, pause: 'reset', warnings: [] });
    await until(
      waitUntil,
      () => partition0.every((id) => (deliveries.get(id)?.length ?? 0) >= 2),
      'partition 0 delivered again after the reset',
    );
    await until(waitUntil, caughtUp, 'the group caught up after the reset');
    expect(await n.health()).toMatchObject({ live: true, ready: true, reasons: [] });

    await admin.close();
    await n.close();
    const refusedAsKf = (await ops(aclLog)).filter((entry) => entry.username === 'kf');
    expect(refusedAsKf).toEqual([]);
    const said = [...nodeLog.lines, ...adminLog.lines, ...nodeErrors.map((e) => inspect(e))];
    expect(said.filter((line) => REFUSED.test(line))).toEqual([]);
  });

  test('without a command the claim script calls, the node reports it and consumes nothing', async () => {
    expect(kfRules).toContain('+lmove');
    const topic = 'acl-no-lmove';
    await createTopic(stack.kafka.info.brokers, { topic, partitions: 2 });
    const conf = config({}, { username: 'kf-no-lmove', password: PASSWORD });
    const { logger, lines } = capturingLogger();
    const n = await node(conf, [topic], { logger });
    const errors: Error[] = [];
    n.on('error', (error) => errors.push(error));
    const delivered: string[] = [];
    await n.run({ eachMessage: async ({ message }) => void delivered.push(String(message.value)) });
    await produceIds(stack.producer, topic, { count: 20, partitions: 2 });
    const work = `kf:{${conf.redis.groupName}}:work`;
    await until(
      waitUntil,
      async () =>
        errors.some((e) => /claim-unit/.test(e.message) && REFUSED.test(e.message)) &&
        (await ops((c) => c.llen(work))) > 0,
      'the claim refused while units wait',
    );
    expect(lines.some((l) => l.startsWith('error claiming a unit failed') && REFUSED.test(l))).toBe(
      true,
    );
    const refused = (await ops(aclLog)).filter((entry) => entry.username === 'kf-no-lmove');
    expect(refused.map((entry) => entry.object)).toContain('lmove');
    expect(delivered).toEqual([]);
  });
});
