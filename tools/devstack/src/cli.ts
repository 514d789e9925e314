#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import Table from 'cli-table3';
import { Argument, Command } from 'commander';
import { readState, writeState } from './cli-state.js';
import { connectionLine } from './describe-info.js';
import { ensureKafkaJars, kafkaVersion } from './kafka/jars.js';
import { adoptProcess } from './managed-process.js';
import { ensureNodeLine, isNodeLine, NODE_LINES, type NodeLine } from './node-lines.js';
import { liveRegisteredProcesses } from './pid-registry.js';
import { SERVICE_KINDS, type ServiceDescription, type ServiceKind } from './service.js';
import { smokeService, startService } from './stack.js';
import { ensureJvmTools, ensureRedisTools } from './system-tools.js';

const log = (line: string) => console.error(`devstack: ${line}`);

function expand(services: string[]): ServiceKind[] {
  return services.includes('all') ? [...SERVICE_KINDS] : (services as ServiceKind[]);
}

function serviceArgument(required: boolean): Argument {
  const name = required ? '<services...>' : '[services...]';
  return new Argument(name, 'single, cluster, sentinel, kafka, kafka3 or all').choices([
    ...SERVICE_KINDS,
    'all',
  ]);
}

/** Uncoloured, so the output reads the same in a terminal, a CI log and a test. */
function plainTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function isUp(description: ServiceDescription): boolean {
  return description.processes.every((p) => adoptProcess(p).running);
}

async function stopDescribed(description: ServiceDescription): Promise<void> {
  for (const p of description.processes) await adoptProcess(p).stop();
}

async function up(services: string[]): Promise<void> {
  for (const kind of expand(services)) {
    const state = readState();
    const existing = state[kind];
    if (existing && isUp(existing)) {
      console.log(`${kind}: already up  ${connectionLine(kind, existing.info)}`);
      continue;
    }
    if (existing) {
      log(`${kind}: some of its processes died; restarting it`);
      await stopDescribed(existing);
    }
    const started = performance.now();
    const handle = await startService(kind, { owner: 'cli', log });
    state[kind] = handle.describe();
    writeState(state);
    console.log(
      `${kind}: up in ${seconds(performance.now() - started)}  ${connectionLine(kind, handle.info)}`,
    );
  }
}

async function down(services: string[]): Promise<void> {
  const state = readState();
  const kinds = services.length === 0 ? (Object.keys(state) as ServiceKind[]) : expand(services);
  for (const kind of kinds) {
    const description = state[kind];
    if (!description) continue;
    await stopDescribed(description);
    delete state[kind];
    writeState(state);
    console.log(`${kind}: down`);
  }
}

function status(): void {
  const table = plainTable(['service', 'processes up', 'connect with', 'run dir']);
  const state = readState();
  for (const kind of SERVICE_KINDS) {
    const d = state[kind];
    if (!d) {
      table.push([kind, '-', 'down', '']);
      continue;
    }
    const live = d.processes.filter((p) => adoptProcess(p).running).length;
    table.push([kind, `${live}/${d.processes.length}`, connectionLine(kind, d.info), d.runDir]);
  }
  console.log(table.toString());
}

async function smoke(services: string[]): Promise<boolean> {
  const state = readState();
  const kinds = services.length === 0 ? (Object.keys(state) as ServiceKind[]) : expand(services);
  let allPassed = true;
  for (const kind of kinds) {
    const description = state[kind];
    if (!description || !isUp(description)) {
      console.log(`${kind}: not up (run \`pnpm devstack up ${kind}\`)`);
      allPassed = false;
      continue;
    }
    const result = await smokeService(kind, description.info);
    allPassed &&= result.passed;
    console.log(`${kind}: ${result.passed ? 'PASS' : 'FAIL'}  ${result.summary}`);
  }
  return allPassed;
}

/** Brings each service up, proves it with its smoke check, brings it down, and reports. */
async function demo(): Promise<boolean> {
  const table = plainTable([
    'service',
    'start',
    'smoke check',
    'result',
    'check took',
    'stop',
    'connected to',
  ]);
  let allPassed = true;
  const begun = performance.now();
  for (const kind of SERVICE_KINDS) {
    log(`starting ${kind}`);
    const t0 = performance.now();
    const handle = await startService(kind, { log });
    const t1 = performance.now();
    let result: Awaited<ReturnType<typeof smokeService>>;
    let t2 = t1;
    try {
      result = await smokeService(kind, handle.info);
      t2 = performance.now();
    } finally {
      await handle.stop();
    }
    const t3 = performance.now();
    allPassed &&= result.passed;
    table.push([
      kind,
      seconds(t1 - t0),
      result.summary,
      result.passed ? 'PASS' : 'FAIL',
      seconds(t2 - t1),
      seconds(t3 - t2),
      connectionLine(kind, handle.info),
    ]);
  }
  console.log(table.toString());
  const leftover = liveRegisteredProcesses().filter((p) => p.owner === 'api');
  console.log(
    `${SERVICE_KINDS.length} services started, checked and stopped in ${seconds(performance.now() - begun)}; ` +
      `processes left running: ${leftover.length}`,
  );
  return allPassed && leftover.length === 0;
}

function assertClean(): boolean {
  const live = liveRegisteredProcesses();
  const fromTests = live.filter((p) => p.owner === 'api');
  for (const p of live.filter((q) => q.owner === 'cli')) {
    console.log(
      `note: ${p.name} (pid ${p.pid}) was brought up by the CLI; \`pnpm devstack down\` stops it`,
    );
  }
  if (fromTests.length === 0) {
    console.log('devstack: no process started by tests or scripts is left running');
    return true;
  }
  for (const p of fromTests)
    console.log(`left running: ${p.name} (pid ${p.pid}, started ${p.startedAt})`);
  return false;
}

const program = new Command('kf-devstack')
  .description('Real Redis and Kafka on loopback for kf: tests, the demo and benchmarks')
  .showHelpAfterError();

program
  .command('up')
  .description('start services (idempotent)')
  .addArgument(serviceArgument(true))
  .action(up);
program
  .command('down')
  .description('stop services (all when none named)')
  .addArgument(serviceArgument(false))
  .action(down);
program
  .command('prepare')
  .description(
    'install what the services and tests need: Redis from apt, Kafka jars from Maven Central, the supported Node lines from the npm registry',
  )
  .action(async () => {
    ensureRedisTools(log);
    ensureJvmTools(log);
    const libs = await ensureKafkaJars(log);
    const lines: string[] = [];
    for (const line of Object.keys(NODE_LINES)) {
      await ensureNodeLine(Number(line) as NodeLine, log);
      lines.push(NODE_LINES[Number(line) as NodeLine]);
    }
    console.log(
      `redis-server, redis-sentinel, redis-cli, java, mvn: installed; Kafka ${kafkaVersion()}: ${libs}; Node ${lines.join(', ')} with npm`,
    );
  });
program
  .command('node-bin')
  .description("print a supported Node line's bin directory (node, npm, npx), fetching it once")
  .argument('<line>', `one of ${Object.keys(NODE_LINES).join(', ')}`)
  .action(async (line: string) => {
    if (!isNodeLine(line)) {
      throw new Error(
        `Node line "${line}" is not one kf supports: ${Object.keys(NODE_LINES).join(', ')}`,
      );
    }
    console.log(await ensureNodeLine(Number(line) as NodeLine, log));
  });
program.command('status').description('show what is up').action(status);
program
  .command('smoke')
  .description('run the smoke checks against services that are up')
  .addArgument(serviceArgument(false))
  .action(async (services: string[]) => {
    if (!(await smoke(services))) process.exitCode = 1;
  });
program
  .command('demo')
  .description('start, smoke-check and stop every service, then report')
  .action(async () => {
    if (!(await demo())) process.exitCode = 1;
  });
program
  .command('assert-clean')
  .description('fail if a process started by tests or scripts is still running')
  .action(() => {
    if (!assertClean()) process.exitCode = 1;
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
