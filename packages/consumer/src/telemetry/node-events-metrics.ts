import type { Attributes } from '@opentelemetry/api';
import type { NodeEvents } from '../node/node-events.js';
import type { Instruments } from './instruments.js';
import type { PartitionAttributes } from './partition-attributes.js';
import { Attr } from './semconv.js';

/** What the event metrics need of a node: its events. */
export interface NodeEventSource {
  on<K extends keyof NodeEvents>(name: K, listener: (...payload: NodeEvents[K]) => void): unknown;
}

/**
 * Counts a node's unit, leadership and lease events. Listeners stay as long as the node:
 * a closed node emits nothing more.
 */
export function countNodeEvents(
  node: NodeEventSource,
  instruments: Instruments,
  attributes: { group: Attributes; partitions: PartitionAttributes },
): void {
  const { group, partitions } = attributes;
  const gained = { ...group, [Attr.leadershipChange]: 'gained' };
  const lost = { ...group, [Attr.leadershipChange]: 'lost' };
  node.on('unitClaimed', ({ unit }) => {
    instruments.unitsClaimed.add(1, partitions.of(unit.topic, unit.partition));
  });
  node.on('unitCompleted', ({ unit, durationMs, possibleDuplicate }) => {
    const of = partitions.of(unit.topic, unit.partition);
    instruments.unitsCompleted.add(1, of);
    instruments.unitDuration.record(durationMs / 1_000, of);
    if (possibleDuplicate) instruments.possibleDuplicates.add(1, of);
  });
  node.on('unitFailed', ({ unit, outcome, reason }) => {
    instruments.unitsFailed.add(1, {
      ...(unit === undefined ? group : partitions.of(unit.topic, unit.partition)),
      [Attr.unitOutcome]: outcome,
      ...(reason === undefined ? {} : { [Attr.errorReason]: reason }),
    });
  });
  node.on('unitsScheduled', ({ topic, partition, units }) => {
    instruments.unitsScheduled.add(units, partitions.of(topic, partition));
  });
  node.on('nodeRecovered', ({ units }) => instruments.unitsRecovered.add(units, group));
  node.on('orphansRequeued', ({ units }) => instruments.unitsOrphaned.add(units, group));
  node.on('leaderGained', () => instruments.leadershipChanges.add(1, gained));
  node.on('leaderLost', () => instruments.leadershipChanges.add(1, lost));
  node.on('leaseLost', () => instruments.leaseLapses.add(1, group));
}
