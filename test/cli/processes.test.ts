/**
 * Real processes against one state dir: 20 `aks-wg nodepool add` at once must all land (the store's lock), leave
 * parseable state, and no temp or lock files.
 */
import { afterEach, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);
const BIN = path.resolve('bin/aks-wg');

function aksWg(home: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, AKS_WG_HOME: home } });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

test('20 concurrent nodepool adds on one cluster all land', async () => {
  const home = path.join(makeTempDir(), 'state');
  expect((await aksWg(home, ['cluster', 'create', '-g', 'RG', '-n', 'C', '-o', 'none'])).code).toBe(0);
  const names = Array.from({ length: 20 }, (_, i) => `pool${i}`);
  const results = await Promise.all(names.map((n) => aksWg(home, ['nodepool', 'add', '-g', 'RG', '--cluster-name', 'C', '-n', n, '-c', '1', '-o', 'none'])));
  expect(results.map((r) => r.stderr).filter(Boolean)).toEqual([]);
  expect(results.map((r) => r.code)).toEqual(names.map(() => 0));
  const list = spawnSync(process.execPath, [BIN, 'nodepool', 'list', '-g', 'RG', '--cluster-name', 'C', '--query', '[].name'], {
    env: { ...process.env, AKS_WG_HOME: home },
    encoding: 'utf8',
  });
  expect(list.status).toBe(0);
  expect((JSON.parse(list.stdout) as string[]).sort()).toEqual(['nodepool1', ...names].sort());
  expect(listFiles(home).filter((f) => /(^|\/)\.|\.tmp|lock/.test(f))).toEqual([]);
}, 120_000);

test('AKS_WG_SEED: the same commands give the same keys, and every node its own key', async () => {
  const keysAfter = async (): Promise<string[]> => {
    const home = path.join(makeTempDir(), 'state');
    const env = { ...process.env, AKS_WG_HOME: home, AKS_WG_SEED: 'replay' };
    for (const args of [
      ['cluster', 'create', '-g', 'RG', '-n', 'C', '--enable-wireguard', '-c', '2', '-o', 'none'],
      ['nodepool', 'add', '-g', 'RG', '--cluster-name', 'C', '-n', 'two', '-c', '2', '-o', 'none'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
    }
    const list = spawnSync(process.execPath, [BIN, 'node', 'list', '-g', 'RG', '-n', 'C', '--query', '[].publicKey'], { env, encoding: 'utf8' });
    expect(list.status).toBe(0);
    return JSON.parse(list.stdout) as string[];
  };
  const first = await keysAfter();
  expect(first).toHaveLength(4);
  expect(new Set(first).size).toBe(4);
  expect(await keysAfter()).toEqual(first);
}, 60_000);
