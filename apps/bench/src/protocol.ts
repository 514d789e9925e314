/** Which consumer a bench process runs. */
export type Contender = 'kf' | 'kafkajs';

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
}

/** What a consumer process reports, about every 200 ms and once more on close. */
export type ConsumerReport =
  | { type: 'ready' }
  | {
      type: 'progress';
      messages: number;
      bytes: number;
      /** kf only: units completed since the last report. */
      units: number;
      /** Produce → handler latencies (ms) of the messages since the last report. */
      latenciesMs: number[];
    };

/** The parent asks a consumer process to stop. */
export type ConsumerCommand = { type: 'stop' };
