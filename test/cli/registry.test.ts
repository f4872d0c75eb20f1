/** The lazy registry: every entry loads a spec at the path it is registered under, and the version is package.json's. */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { COMMANDS, GROUPS, VERSION } from '../../src/cli/registry.js';

test('every registered command loads a spec with the same path, in a known group', async () => {
  for (const entry of COMMANDS) {
    const spec = await entry.load();
    expect(spec.path).toEqual(entry.path);
    expect(GROUPS.map((g) => g.name)).toContain(entry.path[0]);
  }
  expect(new Set(COMMANDS.map((e) => e.path.join(' '))).size).toBe(COMMANDS.length);
});

test('VERSION is package.json version', () => {
  expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
});
