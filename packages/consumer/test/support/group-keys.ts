/**
 * The Redis keys of one consumer group, spelled out as @kf/core's README documents them
 * rather than taken from its `groupKeys`: a test that reads or writes them by hand then
 * also checks the layout it relies on.
 */
export function keysOf(groupName: string) {
  const prefix = `kf:{${groupName}}`;
  return {
    work: `${prefix}:work`,
    offsets: `${prefix}:offsets`,
    nodes: `${prefix}:nodes`,
    leader: `${prefix}:leader`,
    epoch: `${prefix}:epoch`,
    working: (nodeId: string) => `${prefix}:working:${nodeId}`,
    pending: (topic: string, partition: number) => `${prefix}:pending:${topic}/${partition}`,
  };
}
