import Table from 'cli-table3';
import type { Report } from './run-example.js';

/** The final report as a plain table (no colour: it reads the same in a CI log). */
export function formatReport(report: Report): string {
  const table = new Table({ head: ['figure', 'value'], style: { head: [], border: [] } });
  table.push(
    ['produced', report.produced],
    ['consumed', report.consumed],
    ['distinct', report.distinct],
    ['duplicates', report.duplicates],
    ['missing', report.missing],
    ['error-listed units', report.errorListed],
    ...report.perNode.map((n): [string, number] => [`consumed by ${n.nodeId}`, n.consumed]),
    ['elapsed', `${(report.elapsedMs / 1000).toFixed(2)} s`],
    ['msgs/s', report.msgsPerSecond],
    ['produce → handler p50 / p99', `${report.latencyMs.p50} ms / ${report.latencyMs.p99} ms`],
    ['ending', report.ending],
  );
  return table.toString();
}

/** Whether the run delivered every message produced: the example's exit status. */
export function succeeded(report: Report): boolean {
  return report.ending === 'complete' && report.missing === 0 && report.errorListed === 0;
}
