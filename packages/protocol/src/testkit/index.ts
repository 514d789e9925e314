export { CONFORMANCE_CASE_COUNT, redisConformance } from './conformance.js';
export { awaitedLater, type CaseContext, type ConformanceCase, rejectionOf } from './context.js';
export { Probe } from './probe.js';
export {
  type RespAddress,
  RespConnection,
  RespErrorReply,
  type RespValue,
} from './resp-connection.js';
export type { AdapterFactory, Assertion, ConformanceOptions, TestRunner } from './runner.js';
