/**
 * The conformance suite every `IRedis` adapter runs against a real server, ours or a third
 * party's. It imports no test runner: pass it your runner's `describe`, `test` and `expect`.
 * It checks Redis state through a RESP connection of its own, never through the adapter under
 * test.
 *
 * @module @kf/protocol/testkit
 */
export { CONFORMANCE_CASE_COUNT, redisConformance } from './conformance.js';
export { awaitedLater, type CaseContext, type ConformanceCase, rejectionOf } from './context.js';
export { Probe } from './probe.js';
export {
  type RespAddress,
  RespConnection,
  RespErrorReply,
  type RespValue,
} from './resp-connection.js';
export type {
  AdapterFactory,
  AdapterSettings,
  Assertion,
  ConformanceOptions,
  TestRunner,
} from './runner.js';
