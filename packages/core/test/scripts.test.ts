import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scripts } from '../src/scripts/index.js';

const dir = join(import.meta.dirname, '../src/scripts');
const files = readdirSync(dir).filter((name) => name.endsWith('.lua'));

describe('Lua scripts', () => {
  test('every script file is loaded, under its file name', () => {
    const names = Object.values(scripts).map((s) => s.name);
    expect(files.map((f) => f.replace(/-\d+\.lua$/, '')).sort()).toEqual([...names].sort());
  });

  test.each(files)(
    '%s opens with a comment naming each KEYS[i] and ARGV[i] it uses, and the reply',
    (file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      const keyCount = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      const header = source
        .split('\n')
        .filter((line) => line.startsWith('--'))
        .join('\n');
      const body = source
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n');
      expect(source.startsWith('--')).toBe(true);
      const usedKeys = new Set([...body.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect([...usedKeys].sort()).toEqual(Array.from({ length: keyCount }, (_, i) => i + 1));
      for (const i of usedKeys) expect(header).toContain(`KEYS[${i}]`);
      for (const m of body.matchAll(/ARGV\[(\d+)\]/g)) expect(header).toContain(`ARGV[${m[1]}]`);
      expect(header).toMatch(/Reply:/);
    },
  );

  test('scripts that read the clock carry the shared snippet, once', () => {
    for (const script of Object.values(scripts)) {
      const calls = script.source.includes('now_ms()');
      const defines = script.source.split('local function now_ms()').length - 1;
      expect(defines).toBe(calls ? 1 : 0);
    }
  });
});
