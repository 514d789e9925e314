export { CodecUnsupportedError } from './codec-unsupported-error.js';
export { HandlerTimeoutError } from './handler-timeout-error.js';
export { NodeClosedError } from './node-closed-error.js';
export { NodeErrorCode } from './node-error-code.js';
export { NodeStartError } from './node-start-error.js';
