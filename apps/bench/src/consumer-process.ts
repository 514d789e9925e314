// One benchmark consumer process: a kf node (reading Kafka with kafkajs or with
// @platformatic/kafka), or a member of a kafkajs or @platformatic/kafka consumer group,
// with the same handler. It counts messages and bytes, samples produce → handler latency
// from each message's timestamp (set by the producer), and reports its resident set and
// CPU time with each count. Each contender's SDK is loaded only in the processes that run
// it (@platformatic/kafka's run on a newer Node than the bench's).
import type {
  ConsumerCommand,
  ConsumerReport,
  ConsumerSpec,
  Contender,
  StartContender,
} from './protocol.js';

const CONTENDERS: Record<Contender, () => Promise<{ start: StartContender }>> = {
  kf: () => import('./contenders/kf.js'),
  kafkajs: () => import('./contenders/kafkajs.js'),
  platformatic: () => import('./contenders/platformatic.js'),
};

const spec = JSON.parse(process.argv[2] ?? '{}') as ConsumerSpec;
let messages = 0;
let bytes = 0;
let units = 0;
let latencies: number[] = [];

const send = (report: ConsumerReport) => {
  if (process.connected) process.send?.(report);
};
// The bench that forked this process is gone: nothing is left to report to.
process.on('disconnect', () => process.exit(0));
const flush = (collected = false) => {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  send({
    type: 'progress',
    messages,
    bytes,
    units,
    latenciesMs: latencies,
    rssBytes: memory.rss,
    cpuMicros: cpu.user + cpu.system,
    heapTotalBytes: memory.heapTotal,
    heapUsedBytes: memory.heapUsed,
    ...(collected ? { collected } : {}),
  });
  messages = 0;
  bytes = 0;
  units = 0;
  latencies = [];
};
const ticker = setInterval(() => flush(), 200);

const { start } = await CONTENDERS[spec.contender]();
const stop = await start(spec, {
  async handle(value, timestamp) {
    if (spec.handlerDelayMs > 0) await new Promise((r) => setTimeout(r, spec.handlerDelayMs));
    messages += 1;
    bytes += value?.length ?? 0;
    latencies.push(Date.now() - timestamp);
  },
  unitCompleted() {
    units += 1;
  },
});
// A report before `ready`, so the bench knows this process's memory and CPU at the start.
flush();
const what = spec.kafkaClient
  ? `${spec.contender} with kafka.client '${spec.kafkaClient}'`
  : spec.contender;
send({ type: 'ready', note: `${what} on Node ${process.version}` });
process.on('message', async (command: ConsumerCommand) => {
  if (command.type === 'collect') {
    // Exposed by the `--expose-gc` the bench forks this process with.
    (globalThis as { gc?: () => void }).gc?.();
    flush(true);
    return;
  }
  await stop();
  clearInterval(ticker);
  flush();
  process.exit(0);
});
