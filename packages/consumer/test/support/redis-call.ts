import { type HostPort, type ProbeCredentials, withRedis } from '@kf/devstack';

/**
 * A raw command on the stack's Redis, on a connection of its own: the test looks at (or
 * changes) the group's state beside the nodes, never through their clients. The stack is
 * read at each call, since a file's stack only starts in its beforeAll.
 */
export function redisCaller(stack: {
  readonly redis: { readonly info: HostPort & ProbeCredentials };
}): (...args: [string, ...(string | number)[]]) => Promise<unknown> {
  return (...args) => withRedis(stack.redis.info, (c) => c.call(...args));
}
