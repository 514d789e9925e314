/** Which Node consumer a bench process runs. */
export type Contender = 'kf' | 'kafkajs' | 'platformatic';

/** The Kafka client a kf node reads with (its `kafka.client`). */
export type KafkaClient = 'kafkajs' | 'platformatic';

/** A bench consumer process's one argument, as JSON. */
export interface ConsumerSpec {
  contender: Contender;
  id: string;
  brokers: string[];
  redis: string;
  group: string;
  topic: string;
  /** kf: units in flight per process; kafkajs: partitions handled at once. */
  concurrency: number;
  /** The handler awaits this long per message (0: returns at once). */
  handlerDelayMs: number;
  /** kf `conf` overrides; none for the defaults. */
  kfConf?: Record<string, unknown>;
  /** kf: the Kafka client it reads with; kafkajs (kf's default) when unset. */
  kafkaClient?: KafkaClient;
}

/**
 * What a consumer process reports, about every 200 ms and once more on close: over IPC
 * from a Node process, as JSON lines on stdout from a Java one.
 */
export type ConsumerReport =
  | {
      type: 'ready' /** What the process runs, when it has more to say than its kind. */;
      note?: string;
    }
  | {
      type: 'progress';
      messages: number;
      bytes: number;
      /** kf only: units completed since the last report. */
      units: number;
      /** Produce → handler latencies (ms) of the messages since the last report. */
      latenciesMs: number[];
      /** Node processes: resident set size now, and CPU time used since the process began. */
      rssBytes?: number;
      cpuMicros?: number;
      /** Node processes: V8's heap, reserved and in use. */
      heapTotalBytes?: number;
      heapUsedBytes?: number;
      /** Sent in reply to `collect`, right after a full garbage collection. */
      collected?: boolean;
    }
  /** A Java consumer process, after its last progress: what it saw, for the report. */
  | { type: 'summary'; note: string };

/** The parent asks a consumer process to stop. */
export type ConsumerCommand = { type: 'stop' } | { type: 'collect' };

/** What a contender's consumer calls back into the bench process. */
export interface ContenderHooks {
  /** The handler every contender runs for each message. */
  handle(value: Buffer | null, timestampMs: number): Promise<void>;
  /** kf: a unit was completed. */
  unitCompleted(): void;
}

/** Starts one contender's consumer; resolves to its stop once it consumes (or joins). */
export type StartContender = (
  spec: ConsumerSpec,
  hooks: ContenderHooks,
) => Promise<() => Promise<void>>;
