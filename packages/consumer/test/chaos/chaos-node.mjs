// One kf node of a chaos run, in its own process, driven over IPC. It imports the built
// package as a user's process would. Every batch is reported (with its unit) before the
// handler does anything else, so a SIGKILL cannot lose the report of a delivery, and the
// parent sees a unit's messages before the unit can complete.
//
// What a message asks of the handler is in its value, `<marker>:<id>`:
//   poison: throws on every delivery (it must end on the error list, nowhere else);
//   throw:  throws on the first delivery of its unit (a retry, flagged redelivered, passes);
//   hang:   on the first delivery, runs past `handlerTimeoutMs` ignoring its signal.
import { createNode } from '@kf/consumer';

const spec = JSON.parse(process.argv[2]);
const now = () => performance.timeOrigin + performance.now();
const send = (message) =>
  new Promise((resolve, reject) =>
    process.send(message, (error) => (error ? reject(error) : resolve())),
  );
const post = (type, payload) => process.send({ type, at: now(), ...payload });

// A node process that crashes is a finding: say why before the default handler exits.
process.on('unhandledRejection', (error) => {
  process.stderr.write(
    `[chaos] node ${spec.nodeId}: unhandled rejection: ${error?.stack ?? error}\n`,
  );
  process.exit(70);
});

process.on('exit', (code) =>
  process.stderr.write(`[chaos] node ${spec.nodeId} (${process.pid}) exits with ${code}\n`),
);

const node = await createNode(spec.config, spec.topics, { nodeId: spec.nodeId });
for (const name of [
  'unitClaimed',
  'unitCompleted',
  'unitsScheduled',
  'leaderGained',
  'leaderLost',
  'nodeRecovered',
  'orphansRequeued',
  'leaseLost',
  'offsetsMoved',
  'partitionsAdded',
  'handlerOverrun',
]) {
  node.on(name, (e) => post(name, { event: e }));
}
node.on('unitFailed', (e) =>
  post('unitFailed', {
    event: { unit: e.unit, outcome: e.outcome, reason: e.reason, error: String(e.error) },
  }),
);
node.on('settleFailed', (e) =>
  post('settleFailed', { event: { unit: e.unit, error: String(e.error) } }),
);
node.on('error', (error) => post('error', { event: { error: String(error) } }));

let closing;
const close = (timeoutMs) => {
  closing ??= node.close({ timeoutMs }).then(async () => {
    await send({ type: 'closed', at: now() });
    process.exit(0);
  });
  return closing;
};
// The run that started this node is gone: nothing would stop it otherwise.
process.on('disconnect', () => process.exit(1));
process.on('message', (message) => {
  if (message.type === 'close') void close(message.timeoutMs);
  else if (message.type === 'addTopics' || message.type === 'removeTopics') {
    // Said on this side too: a request the harness never sees answered shows whether the
    // node got it and whether kf's call settled.
    process.stderr.write(`[chaos] node ${spec.nodeId}: ${message.type} ${message.topics} asked\n`);
    node[message.type](message.topics).then(
      () => {
        process.stderr.write(`[chaos] node ${spec.nodeId}: ${message.type} done\n`);
        post('topicsChanged', { request: message.request });
      },
      (error) => post('topicsChanged', { request: message.request, error: String(error) }),
    );
  }
});

const hangMs = spec.config.conf.handlerTimeoutMs + spec.overrunMs;

await node.run({
  eachBatch: async ({ batch, unit }) => {
    const values = batch.messages.map((m) => String(m.value));
    await send({
      type: 'batch',
      at: now(),
      unit: { id: unit.id, topic: unit.topic, partition: unit.partition },
      redelivered: batch.redelivered,
      offsets: batch.messages.map((m) => m.offset),
    });
    if (values.some((v) => v.startsWith('poison:'))) throw new Error('injected poison');
    if (!batch.redelivered && values.some((v) => v.startsWith('throw:'))) {
      throw new Error('injected throw');
    }
    if (!batch.redelivered && values.some((v) => v.startsWith('hang:'))) {
      await new Promise((r) => setTimeout(r, hangMs));
    }
  },
});
await send({ type: 'running', at: now() });
