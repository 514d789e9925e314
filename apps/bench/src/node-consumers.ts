import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConsumerCommand, ConsumerReport, ConsumerSpec } from './protocol.js';
import type { ConsumerLauncher } from './run-consumers.js';

const SCRIPT = fileURLToPath(new URL('./consumer-process.js', import.meta.url));

/**
 * Forks Node consumer processes, process `i` with `spec(i)`; `execPath` runs them on
 * another Node binary than the bench's.
 */
export function nodeConsumers(
  spec: (i: number) => ConsumerSpec,
  execPath?: string,
): ConsumerLauncher {
  return (i, onReport) => {
    const child = fork(SCRIPT, [JSON.stringify(spec(i))], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // `collect` runs a full collection on request, to tell live memory from garbage.
      execArgv: ['--expose-gc'],
      ...(execPath ? { execPath } : {}),
    });
    child.on('message', (report: ConsumerReport) => onReport(report));
    const send = (command: ConsumerCommand) => {
      if (child.connected) child.send(command);
    };
    return {
      child,
      stop: () => send({ type: 'stop' }),
      collect: () => send({ type: 'collect' }),
    };
  };
}
