/**
 * State faults through the CLI: a broken state file, a read-only or full disk. Each gives exit 1 with a clear
 * one-line message naming the file, writes nothing, and the previous state stays intact and usable.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Fs } from '../../src/platform/env.js';
import { run, testEnv } from '../helpers/cli.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

function snapshot(home: string): Record<string, string> {
  return Object.fromEntries(listFiles(home).map((f) => [f, fs.readFileSync(path.join(home, f)).toString('base64')]));
}

async function withCluster() {
  const env = testEnv();
  expect((await run('cluster create -g RG -n C --enable-wireguard', { env })).code).toBe(0);
  const file = path.join(env.home, 'clusters/rg/c.json');
  expect(fs.existsSync(file)).toBe(true);
  return { env, file };
}

describe('a broken state file', () => {
  const breakages: [string, (text: string) => string, RegExp][] = [
    ['truncated', (t) => t.slice(0, Math.floor(t.length / 2)), /is not valid JSON/],
    ['invalid JSON', (t) => t.replace('{', '{,'), /is not valid JSON/],
    ['wrong schema version', (t) => t.replace('"schemaVersion": 1', '"schemaVersion": 99'), /has schemaVersion 99; this aks-wg reads version 1/],
    ['empty', () => '', /is empty/],
    ['wrong shape', (t) => t.replace('"nodes"', '"nodez"'), /has the wrong shape: "nodes" is not an array/],
  ];
  test.each(breakages)('%s: read and write commands exit 1 naming the file; the file is never overwritten', async (_, breakIt, message) => {
    const { env, file } = await withCluster();
    const good = fs.readFileSync(file, 'utf8');
    const broken = breakIt(good);
    fs.writeFileSync(file, broken);
    for (const argv of ['cluster show -g RG -n C', 'nodepool add -g RG --cluster-name C -n two', 'cluster update -g RG -n C --disable-wireguard', 'cluster delete -g RG -n C --yes']) {
      const r = await run(argv, { env });
      expect({ argv, code: r.code }).toEqual({ argv, code: 1 });
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(message);
      expect(fs.readFileSync(file, 'utf8')).toBe(broken);
    }
    // Put the good bytes back: everything works again.
    fs.writeFileSync(file, good);
    expect((await run('nodepool add -g RG --cluster-name C -n two -c 1', { env })).code).toBe(0);
  });
});

describe('a failing disk', () => {
  function faulty(code: 'ENOSPC' | 'EROFS' | 'EACCES', op: 'writeSync' | 'openSync' | 'renameSync'): Fs & { armed: boolean } {
    const wrapped: any = { ...fs, armed: false };
    const real = (fs as any)[op] as (...a: unknown[]) => unknown;
    wrapped[op] = (...args: unknown[]) => {
      if (wrapped.armed && (op !== 'openSync' || String(args[0]).includes('.tmp-'))) {
        throw Object.assign(new Error(`${code}: injected`), { code });
      }
      return real.apply(fs, args);
    };
    return wrapped;
  }
  test.each([
    ['ENOSPC', 'writeSync', /no space left on device \(ENOSPC\)/],
    ['EROFS', 'openSync', /read-only file system \(EROFS\)/],
    ['EACCES', 'renameSync', /permission denied \(EACCES\)/],
  ] as const)('%s on %s: exit 1, clear message, previous state intact and usable', async (code, op, message) => {
    const fsx = faulty(code, op);
    const env = testEnv({ fs: fsx });
    expect((await run('cluster create -g RG -n C -c 2', { env })).code).toBe(0);
    const before = snapshot(env.home);
    fsx.armed = true;
    const r = await run('nodepool add -g RG --cluster-name C -n two -c 1', { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: cannot (write state file|create) .*\n$/);
    expect(r.stderr).toMatch(message);
    expect(snapshot(env.home)).toEqual(before);
    fsx.armed = false;
    expect((await run('cluster show -g RG -n C --query "agentPoolProfiles[].name" -o tsv'.replace(/"/g, ''), { env })).stdout).toBe('nodepool1\n');
    expect((await run('nodepool add -g RG --cluster-name C -n two -c 1 -o none', { env })).code).toBe(0);
  });
});
