/** Cutting a Hubble log into byte ranges for worker threads: every line exactly once, in order, whatever the cut. */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRangeLines, workerCount } from '../../src/insight/hubble-parallel.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

async function rangeLines(buf: Buffer, start: number, end: number, chunk: number): Promise<string[]> {
  const open = async function* (at: number) {
    for (let i = at; i < buf.length; i += chunk) yield buf.subarray(i, Math.min(buf.length, i + chunk));
  };
  const out: string[] = [];
  for await (const batch of readRangeLines(open, start, end)) out.push(...batch);
  return out;
}

describe('readRangeLines', () => {
  const lines = Array.from({ length: 57 }, (_, i) => `{"n":${i},"s":"${'é'.repeat(i % 5)}${'x'.repeat((i * 37) % 90)}"}`);
  const text = lines.join('\n') + '\n';
  const buf = Buffer.from(text, 'utf8');

  test.each([1, 2, 3, 5, 8])('%i ranges give every line once, in order, for any chunk size', async (parts) => {
    for (const chunk of [1, 7, 64, 4096]) {
      const step = Math.ceil(buf.length / parts);
      const got: string[] = [];
      for (let k = 0; k < parts; k++) got.push(...(await rangeLines(buf, Math.min(buf.length, k * step), Math.min(buf.length, (k + 1) * step), chunk)));
      expect(got).toEqual(lines);
    }
  });

  test('every cut point between two ranges', async () => {
    for (let cut = 0; cut <= buf.length; cut += 3) {
      const got = [...(await rangeLines(buf, 0, cut, 16)), ...(await rangeLines(buf, cut, buf.length, 16))];
      expect(got).toEqual(lines);
    }
  });

  test('a last line without a newline, and CRLF', async () => {
    const b = Buffer.from('a\r\nbb\r\nccc');
    expect([...(await rangeLines(b, 0, 4, 2)), ...(await rangeLines(b, 4, b.length, 2))]).toEqual(['a', 'bb', 'ccc']);
  });

  test('worker count: small files and the override', () => {
    expect(workerCount(1000, {})).toBe(1);
    expect(workerCount(1 << 30, { AKS_WG_HUBBLE_WORKERS: '3' })).toBe(3);
    expect(workerCount(1 << 30, { AKS_WG_HUBBLE_WORKERS: '0' })).toBe(1);
  });
});

describe('the compiled CLI with worker threads', () => {
  test('2 workers give the same result as one pass', () => {
    const home = path.join(makeTempDir(), 'state');
    const env = { ...process.env, AKS_WG_HOME: home };
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['bin/aks-wg', ...args], { env: { ...env, ...extra }, encoding: 'utf8' });
    expect(cli(['cluster', 'import', '-g', 'RG', '-n', 'p', '--from-kubectl', 'fixtures/kubectl/three-nodes.json', '--ciliumnodes', 'fixtures/kubectl/ciliumnodes.json', '-o', 'none']).status).toBe(0);
    // a log big enough to split: the fixture repeated, so flows repeat and malformed lines recur at known numbers
    const fixture = fs.readFileSync('fixtures/hubble/flows.jsonl', 'utf8');
    const file = path.join(makeTempDir(), 'big.jsonl');
    fs.writeFileSync(file, fixture.repeat(400));
    const args = ['traffic', 'inspect', '-g', 'RG', '-n', 'p', '--hubble', file, '--compare', '-o', 'json'];
    const one = cli(args, { AKS_WG_HUBBLE_WORKERS: '1' });
    const two = cli(args, { AKS_WG_HUBBLE_WORKERS: '2' });
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(b.summary).toEqual(a.summary);
    expect(b.comparison).toEqual(a.comparison);
    expect(b.hubble.stats).toEqual(a.hubble.stats);
    expect(b.hubble.malformed).toEqual(a.hubble.malformed);
    expect(a.hubble.stats.lines).toBe(22 * 400);
    expect(a.hubble.stats.malformed).toBe(1200);
    expect(a.hubble.malformed.map((m: any) => m.line)).toEqual([14, 15, 22, 36, 37, 44, 58, 59, 66, 80]);
    const byKey = (f: any) => `${f.protocol} ${f.source.ip}:${f.sourcePort} ${f.destination.ip}:${f.destinationPort} ${f.direction}`;
    expect(new Map(b.flows.map((f: any) => [byKey(f), f.requests + f.replies]))).toEqual(new Map(a.flows.map((f: any) => [byKey(f), f.requests + f.replies])));
    expect(one.stderr).toBe(two.stderr);
  });
});
