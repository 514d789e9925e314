export { AdapterNotInstalledError } from './adapter-not-installed-error.js';
export { ClusterRedirectError } from './cluster-redirect-error.js';
export { CommandError } from './command-error.js';
export { CommandTimeoutError } from './command-timeout-error.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
export { ConnectionClosedError } from './connection-closed-error.js';
export { ErrorCode, isKfError, KF_ERROR, KfError, type KfErrorCode } from './kf-error.js';
export { ScriptError } from './script-error.js';
