import { ConfigError, type ConfigIssue } from '@kf/protocol';
import type { AdapterOptions, HostAndPort, NodeRedisOptions } from './options.js';

/**
 * Checks what node-redis would otherwise reject late or obscurely (an empty node list,
 * a missing master name, a negative timeout); throws one `ConfigError` naming every
 * field that is wrong.
 */
export function validateOptions(options: NodeRedisOptions): void {
  const issues: ConfigIssue[] = [...adapterIssues(options)];
  switch (options.topology) {
    case 'cluster':
      issues.push(...addressIssues('nodes', options.nodes));
      break;
    case 'sentinel':
      issues.push(...addressIssues('sentinels', options.sentinels));
      if (typeof options.name !== 'string' || options.name === '') {
        issues.push({ path: 'name', message: "expected the master's name, a non-empty string" });
      }
      break;
    case undefined:
    case 'single':
      if (options.port !== undefined && !isPort(options.port)) {
        issues.push({ path: 'port', message: `expected a port number, got ${options.port}` });
      }
      break;
    default:
      issues.push({
        path: 'topology',
        message: `expected 'single', 'cluster' or 'sentinel', got ${JSON.stringify(
          (options as { topology?: unknown }).topology,
        )}`,
      });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Checks the options that apply to a caller's node-redis object as well. */
export function validateAdapterOptions(options: AdapterOptions): void {
  const issues = adapterIssues(options);
  if (issues.length > 0) throw new ConfigError(issues);
}

function adapterIssues(options: AdapterOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { commandTimeoutMs, maxIdleBlockingConnections } = options;
  if (
    commandTimeoutMs !== undefined &&
    !(Number.isFinite(commandTimeoutMs) && commandTimeoutMs > 0)
  ) {
    issues.push({
      path: 'commandTimeoutMs',
      message: `expected a positive number of milliseconds, got ${commandTimeoutMs}`,
    });
  }
  if (
    maxIdleBlockingConnections !== undefined &&
    !(Number.isInteger(maxIdleBlockingConnections) && maxIdleBlockingConnections >= 0)
  ) {
    issues.push({
      path: 'maxIdleBlockingConnections',
      message: `expected a non-negative integer, got ${maxIdleBlockingConnections}`,
    });
  }
  return issues;
}

function addressIssues(field: string, addresses: HostAndPort[] | undefined): ConfigIssue[] {
  if (!Array.isArray(addresses) || addresses.length === 0) {
    return [{ path: field, message: 'expected at least one { host, port }' }];
  }
  return addresses.flatMap((address, i) =>
    typeof address?.host === 'string' && address.host !== '' && isPort(address.port)
      ? []
      : [
          {
            path: `${field}[${i}]`,
            message: `expected { host, port }, got ${JSON.stringify(address)}`,
          },
        ],
  );
}

function isPort(port: unknown): boolean {
  return Number.isInteger(port) && (port as number) > 0 && (port as number) < 65_536;
}
