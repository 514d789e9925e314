import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KfConfigInput } from '@kf/core';
import type { NodeEventRecord } from './run-record.js';

const SCRIPT = fileURLToPath(new URL('./chaos-node.mjs', import.meta.url));

export interface ChaosNodeSpec {
  config: KfConfigInput & { conf: { handlerTimeoutMs: number } };
  topics: string[];
  nodeId: string;
  /** How far past `handlerTimeoutMs` a `hang:` message keeps its handler. */
  overrunMs: number;
}

/**
 * A chaos node process and everything it reported, in the order it sent it. The parent
 * adds what it did to the process (`faultsDone`), so the record says which node a fault
 * touched and when.
 */
export class ChaosNode {
  readonly nodeId: string;
  readonly events: NodeEventRecord[] = [];
  readonly exit: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly running: Promise<void>;
  /** Set when the harness kills or closes it: any other exit is the node's own doing. */
  private ended = false;
  private requests = 0;
  private readonly pending = new Map<number, (error?: string) => void>();

  constructor(spec: ChaosNodeSpec) {
    this.nodeId = spec.nodeId;
    this.child = fork(SCRIPT, [JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Plain node on the built package, as a user runs it, whatever runs the harness.
      execArgv: [],
    });
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        if (!this.ended) {
          this.events.push({ type: 'exited', at: Date.now(), event: { code, signal } });
        }
        resolve(code);
      }),
    );
    this.running = new Promise((resolve, reject) => {
      this.child.on(
        'message',
        (message: { type: string; at: number } & Record<string, unknown>) => {
          if (message.type === 'running') resolve();
          else if (message.type === 'topicsChanged') {
            this.pending.get(message.request as number)?.(message.error as string | undefined);
          } else this.events.push(message as unknown as NodeEventRecord);
        },
      );
      void this.exit.then((code) =>
        reject(new Error(`chaos node ${spec.nodeId} exited (${code}) before running`)),
      );
    });
  }

  started(): Promise<void> {
    return this.running;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Running and not being ended by the harness. A node just SIGKILLed counts as gone at
   * once: its exit is reported a moment later, and a request sent to it meanwhile would
   * never be answered.
   */
  get alive(): boolean {
    return !this.ended && !this.exited;
  }

  private get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  signal(signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): void {
    if (signal === 'SIGKILL') this.ended = true;
    if (!this.child.kill(signal)) throw new Error(`${signal} to ${this.nodeId} was not delivered`);
  }

  /** A graceful `close({ timeoutMs })`, SIGKILL if it has not exited `graceMs` later. */
  async close(timeoutMs: number, graceMs = timeoutMs + 15_000): Promise<void> {
    if (!this.alive) return;
    this.ended = true;
    this.child.send({ type: 'close', timeoutMs });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** Adds or removes topics for the whole group through this node. */
  changeTopics(type: 'addTopics' | 'removeTopics', topics: string[]): Promise<void> {
    const request = ++this.requests;
    return new Promise((resolve, reject) => {
      this.pending.set(request, (error) => {
        this.pending.delete(request);
        if (error === undefined) resolve();
        else reject(new Error(`${type} ${topics} on ${this.nodeId}: ${error}`));
      });
      this.child.send({ type, topics, request });
    });
  }

  /** Stops the process whatever its state: resumed if stopped, then closed or killed. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGCONT');
    if (this.alive) {
      await this.close(5_000, 10_000);
      return;
    }
    // Killed or closing already: it exits by itself, or is killed now.
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** Starts a node and waits until it runs; kills it if it does not start. */
export async function startChaosNode(spec: ChaosNodeSpec): Promise<ChaosNode> {
  const node = new ChaosNode(spec);
  try {
    await node.started();
  } catch (error) {
    if (node.alive) node.signal('SIGKILL');
    throw error;
  }
  return node;
}
