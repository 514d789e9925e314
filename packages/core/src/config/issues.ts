import type { ConfigIssue } from '@kf/protocol';
import type { z } from 'zod';
import { closestKey } from './suggest.js';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/**
 * Turns zod's issues into kf's: one per wrong field, its path written as a user would
 * (`redis.host[1]`), and a message saying what was expected and what was found.
 */
export function toConfigIssues(
  issues: readonly Issue[],
  options: { basePath?: Path; knownKeys: Readonly<Record<string, readonly string[]>> },
): ConfigIssue[] {
  const base = options.basePath ?? [];
  return issues.flatMap((issue) => convert(issue, base, options.knownKeys));
}

function convert(
  issue: Issue,
  base: Path,
  knownKeys: Readonly<Record<string, readonly string[]>>,
): ConfigIssue[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case 'invalid_union': {
      // A union fails as a whole; the branch whose type matched the input is the one
      // the user meant, and its issues say what is wrong inside it.
      const meant = issue.errors.filter(
        (branch) => !branch.some((i) => i.path.length === 0 && i.code === 'invalid_type'),
      );
      if (meant.length === 1) {
        return (meant[0] as Issue[]).flatMap((inner) => convert(inner, path, knownKeys));
      }
      return [{ path: formatPath(path), message: withFound(issue.message, issue, path) }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message: unknownKeyMessage(key, path, knownKeys),
      }));
    default:
      return [{ path: formatPath(path), message: withFound(issue.message, issue, path) }];
  }
}

function unknownKeyMessage(
  key: string,
  parent: Path,
  knownKeys: Readonly<Record<string, readonly string[]>>,
): string {
  // kafka-clj's configs spell keys in kebab case (`max-active`); kf's are camelCase.
  const camel = key.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const retired = RETIRED_KEYS[`${pattern(parent)}.${camel}`];
  if (retired !== undefined) {
    return camel === key ? retired : `${key} is kafka-clj's spelling of ${camel}: ${retired}`;
  }
  const here = knownKeys[pattern(parent)] ?? [];
  const meant = closestKey(key, here);
  if (meant !== undefined) return `unknown key: did you mean ${meant}?`;
  const elsewhere = Object.entries(knownKeys).find(
    ([at, keys]) => at !== pattern(parent) && !at.endsWith('[]') && keys.includes(key),
  );
  if (elsewhere !== undefined) {
    return `unknown key here: ${key} belongs in ${elsewhere[0] || 'the top level'}`;
  }
  return `unknown key: expected one of ${here.join(', ')}`;
}

/** kafka-clj settings kf has no use for, with why, so a ported config is fixed in one go. */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  'redis.maxActive':
    "kafka-clj's pool size: kf opens two Redis connections per node (commands, and one blocking claim shared by its workers), so there is no pool to size; remove it",
  'conf.unitTimeoutMs':
    'renamed conf.handlerTimeoutMs, and now per call of user code (a message, or a batch) rather than per unit: a slow handler that keeps making progress no longer times out',
  'conf.fetch.minBytes':
    "a unit's offsets exist already, so the broker answers a fetch as soon as it has any of them: waiting for more bytes would only hold the unit's last records back; remove it",
};

/** A path with every list index written as `[]`, to look up the keys an object takes. */
function pattern(path: Path): string {
  return formatPath(path).replace(/\[\d+\]/g, '[]');
}

/** `['redis', 'host', 1]` → `redis.host[1]`. */
export function formatPath(path: Path): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

function withFound(expected: string, issue: Issue, path: Path): string {
  if (issue.input === undefined) return `${expected}, but it is missing`;
  return `${expected}, got ${describe(issue.input, path)}`;
}

const SECRET = /password|passphrase|secret|token|^key$|^pfx$|^cert$/i;

/**
 * A short rendering of a value for a message. Secrets are named by type only: config
 * errors end up in logs.
 */
function describe(value: unknown, path: Path): string {
  const field = String(path.findLast((segment) => typeof segment === 'string') ?? '');
  if (SECRET.test(field) || path.some((segment) => segment === 'tls')) return typeName(value);
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  return typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Messages for the issues whose schema gave none of its own, in the same "expected …"
 * form; `undefined` keeps zod's.
 */
export function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `expected ${issue.origin} of at least ${issue.minimum}`;
    case 'too_big':
      return `expected ${issue.origin} of at most ${issue.maximum}`;
    default:
      return undefined;
  }
}
