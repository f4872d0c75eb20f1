/**
 * The commands that only read are quick because they load little: the command registry imports a verb's module only
 * when it runs (cli/registry.ts), and a reader does not import the key policy, the crypto or the fabric. A move that
 * makes `cluster show` import those again (repo/cilium.ts once did: 44 modules instead of 29) shows up here as a
 * module list, not as a slower timed test (the time is a bench figure, 10-cluster).
 */
import { afterEach, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);
const BIN = path.resolve('bin/aks-wg');
const PRELOAD = path.resolve('test/cli/module-log.mjs');

/** What a command loads from dist/ and node_modules/, as paths relative to the checkout. */
function modulesOf(home: string, args: string[]): string[] {
  const log = path.join(makeTempDir(), 'modules.log');
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    env: { ...process.env, AKS_WG_HOME: home, AKS_WG_MODULE_LOG: log },
    encoding: 'utf8',
  });
  expect([args.join(' '), r.status, r.stderr]).toEqual([args.join(' '), 0, '']);
  const root = `file://${path.resolve('.')}/`;
  return [...new Set(fs.readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith(root)).map((u) => u.slice(root.length)))];
}

/**
 * Modules a reader has no use for: the key policy, the engine's crypto and device, the fabric, the noble curves.
 * (@noble/ciphers is not among them: the seeded random stream of platform/rng.ts is ChaCha20.)
 */
const HEAVY = [/^dist\/cilium\/sync\.js$/, /^dist\/cilium\/update\.js$/, /^dist\/wg-host\//, /^dist\/wireguard\/device\.js$/, /^dist\/fabric\/datapath\.js$/, /@noble\/curves\//];

test('commands that only read load neither the key policy nor the crypto nor the fabric', () => {
  const home = path.join(makeTempDir(), 'state');
  const create = spawnSync(process.execPath, [BIN, 'cluster', 'create', '-g', 'RG', '-n', 'C', '--enable-wireguard', '-o', 'none'], {
    env: { ...process.env, AKS_WG_HOME: home },
    encoding: 'utf8',
  });
  expect(create.status).toBe(0);
  const readers = [
    ['cluster', 'show', '-g', 'RG', '-n', 'C', '-o', 'none'],
    ['cluster', 'list', '-o', 'none'],
    ['nodepool', 'list', '-g', 'RG', '--cluster-name', 'C', '-o', 'none'],
    ['clock', 'show', '-g', 'RG', '-n', 'C', '-o', 'none'],
  ];
  for (const args of readers) {
    const loaded = modulesOf(home, args);
    // the log works: the command's own module is in it
    expect(loaded.some((m) => m.startsWith('dist/commands/'))).toBe(true);
    expect([args.join(' '), loaded.filter((m) => HEAVY.some((h) => h.test(m)))]).toEqual([args.join(' '), []]);
  }
  // the same check sees them where a command needs them
  const inspect = modulesOf(home, ['traffic', 'inspect', '-g', 'RG', '-n', 'C', '-o', 'none']);
  expect(HEAVY.filter((h) => inspect.some((m) => h.test(m))).length).toBeGreaterThanOrEqual(4);
});
