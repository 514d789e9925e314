// Test helpers for the ioredis adapters' own tests; never bundled into a package.
export {
  expectFailoverRidden,
  type FailoverDrillOptions,
  type FailoverDrillReport,
  type FailoverExpectations,
  runFailoverDrill,
} from './failover-drill.js';
export {
  expectRequestedIoredis,
  ioredisMajorOf,
  requestedIoredisMajor,
} from './ioredis-major.js';
