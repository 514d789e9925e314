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
      ...(execPath ? { execPath } : {}),
    });
    child.on('message', (report: ConsumerReport) => onReport(report));
    return {
      child,
      stop: () => {
        if (child.connected) child.send({ type: 'stop' } satisfies ConsumerCommand);
      },
    };
  };
}
