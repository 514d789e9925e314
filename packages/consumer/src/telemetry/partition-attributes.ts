import type { Attributes } from '@opentelemetry/api';
import { Attr } from './semconv.js';

/**
 * One attribute set per partition over a base set, built once and reused: a hot path
 * records with it per message, and must not build an object each time.
 */
export class PartitionAttributes {
  private readonly byTopic = new Map<string, Map<number, Attributes>>();

  constructor(private readonly base: Attributes) {}

  of(topic: string, partition: number): Attributes {
    let partitions = this.byTopic.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.byTopic.set(topic, partitions);
    }
    let attributes = partitions.get(partition);
    if (attributes === undefined) {
      attributes = Object.freeze({
        ...this.base,
        [Attr.destination]: topic,
        [Attr.partition]: String(partition),
      });
      partitions.set(partition, attributes);
    }
    return attributes;
  }
}
