import type {
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
  ObservableUpDownCounter,
} from '@opentelemetry/api';

// Call and fetch durations: the messaging semantic conventions' recommended buckets.
const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
// Units and the age of a message when user code gets it span backlogs: up to minutes.
const LONG_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Every instrument kf records on; see docs/observability.md for what each means. */
export interface Instruments {
  consumedMessages: Counter;
  processDuration: Histogram;
  fetchDuration: Histogram;
  messageLatency: Histogram;
  unitDuration: Histogram;
  unitsClaimed: Counter;
  unitsCompleted: Counter;
  unitsFailed: Counter;
  possibleDuplicates: Counter;
  unitsRecovered: Counter;
  unitsOrphaned: Counter;
  unitsScheduled: Counter;
  leadershipChanges: Counter;
  leaseLapses: Counter;
  inFlight: ObservableUpDownCounter;
  leader: ObservableGauge;
  partitionLag: ObservableGauge;
  completedOffset: ObservableGauge;
  workListLength: ObservableGauge;
}

export function createInstruments(meter: Meter): Instruments {
  const seconds = (name: string, description: string, buckets: number[]) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: buckets },
    });
  const units = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{unit}' });
  return {
    consumedMessages: meter.createCounter('messaging.client.consumed.messages', {
      description: 'Messages handed to user code (a message retried is counted again)',
      unit: '{message}',
    }),
    processDuration: seconds(
      'messaging.process.duration',
      'Duration of one call of user code: one message with eachMessage, one batch with eachBatch',
      DURATION_BUCKETS_S,
    ),
    fetchDuration: seconds(
      'messaging.client.operation.duration',
      "Duration of one fetch of a unit's records from the partition leader",
      DURATION_BUCKETS_S,
    ),
    messageLatency: seconds(
      'kf.consumer.message.latency',
      "Time from a record's timestamp (producer create time or log append time) to user code receiving it, once per call of user code (its first record)",
      LONG_BUCKETS_S,
    ),
    unitDuration: seconds(
      'kf.consumer.unit.duration',
      'Duration of a unit from its claim to its completion',
      LONG_BUCKETS_S,
    ),
    unitsClaimed: units('kf.consumer.units.claimed', 'Units this node claimed from the work list'),
    unitsCompleted: units('kf.consumer.units.completed', 'Units this node completed'),
    unitsFailed: units(
      'kf.consumer.units.failed',
      'Failed attempts at a unit, by what became of it (kf.unit.outcome)',
    ),
    possibleDuplicates: units(
      'kf.consumer.units.possible_duplicates',
      'Units completed after their node lease had lapsed: another node may deliver them again',
    ),
    unitsRecovered: units(
      'kf.consumer.units.recovered',
      "Units the leader moved from a dead node's working list back to the work list",
    ),
    unitsOrphaned: units(
      'kf.consumer.units.orphaned',
      'Units found in this node working list that it did not hold, queued again',
    ),
    unitsScheduled: units('kf.consumer.units.scheduled', 'Units the leader cut and queued'),
    leadershipChanges: meter.createCounter('kf.consumer.leadership.changes', {
      description: 'Leadership gained or lost by this node (kf.leadership.change)',
      unit: '{change}',
    }),
    leaseLapses: meter.createCounter('kf.consumer.lease.lapses', {
      description: 'Times this node found its own lease had lapsed (its units may run elsewhere)',
      unit: '{lapse}',
    }),
    inFlight: meter.createObservableUpDownCounter('kf.consumer.units.in_flight', {
      description: 'Units this node is working on',
      unit: '{unit}',
    }),
    leader: meter.createObservableGauge('kf.consumer.leader', {
      description: '1 while this node leads its group, else 0',
      unit: '1',
    }),
    partitionLag: meter.createObservableGauge('kf.consumer.partition.lag', {
      description:
        "Messages of a partition not yet settled: log end minus the completed watermark (reported by the group's leader)",
      unit: '{message}',
    }),
    completedOffset: meter.createObservableGauge('kf.consumer.partition.completed_offset', {
      description:
        "Offset below which every message of a partition is settled (reported by the group's leader)",
      unit: '{offset}',
    }),
    workListLength: meter.createObservableGauge('kf.consumer.work_list.length', {
      description: "Units waiting in the group's work list (reported by the group's leader)",
      unit: '{unit}',
    }),
  };
}
