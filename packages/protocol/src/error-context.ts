/**
 * What was running when a driver error arrived, for an adapter to pick and word the kf
 * error it becomes. Shared by kf's adapters; third-party ones may use it too.
 */
export interface ErrorContext {
  /** The Redis command, for example `LMOVE`; never its arguments (they may hold secrets). */
  command: string;
  /** Set inside `evalScript`: server error replies are then the script's failure. */
  scriptName?: string;
  /** The command timeout in force, for `CommandTimeoutError`. */
  timeoutMs: number;
  /** `close()` was called on the adapter: whatever failed, it failed because of that. */
  closed: boolean;
  /** Credentials to mask in every message. */
  secrets: readonly string[];
}
