/** Cutting a Hubble log into line-aligned byte ranges for worker threads: every line exactly once, in order. */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelFromPlan } from '../../src/import/plan-model.js';
import { analyzeHubble, readLines } from '../../src/analysis/hubble.js';
import { analyzeShare, analyzeShares, lineCuts, workerCount, type ShareRunner } from '../../src/analysis/hubble-parallel.js';
import { planImport } from '../../src/import/kubectl-import.js';
import { indexModel } from '../../src/analysis/model.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

/** The lines of each range between the cuts, as the workers read them. */
function split(buf: Buffer, parts: number, window = 7): string[] {
  const cuts = lineCuts(buf.length, parts, (position, into) => {
    const n = Math.max(0, Math.min(window, into.length, buf.length - position));
    buf.copy(into, 0, position, position + n);
    return n;
  });
  expect(cuts[0]).toBe(0);
  expect(cuts[cuts.length - 1]).toBe(buf.length);
  const out: string[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    expect(cuts[k + 1]!).toBeGreaterThanOrEqual(cuts[k]!);
    // every cut is a line start
    if (cuts[k]! > 0 && cuts[k]! < buf.length) expect(buf[cuts[k]! - 1]).toBe(10);
    const text = buf.toString('utf8', cuts[k], cuts[k + 1]);
    if (text.length) out.push(...text.replace(/\n$/, '').split('\n'));
  }
  return out;
}

describe('lineCuts', () => {
  const lines = Array.from({ length: 57 }, (_, i) => `{"n":${i},"s":"${'é'.repeat(i % 5)}${'x'.repeat((i * 37) % 90)}"}`);
  const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');

  test.each([1, 2, 3, 5, 8, 100])('%i ranges give every line once, in order', (parts) => {
    for (const window of [1, 7, 64, 4096]) expect(split(buf, parts, window)).toEqual(lines);
  });

  test('a line longer than a range gives empty ranges, and a last line without a newline', () => {
    const b = Buffer.from(`${'y'.repeat(500)}\nshort\nend`);
    expect(split(b, 6)).toEqual(['y'.repeat(500), 'short', 'end']);
  });

  test('worker count: small files and the override', () => {
    expect(workerCount(1000, {}, { cores: 8, load: 0 })).toBe(1);
    expect(workerCount(1 << 30, {}, { cores: 2, load: 0.2 })).toBe(1);
    expect(workerCount(1 << 30, {}, { cores: 4, load: 0.3 })).toBe(4);
    expect(workerCount(1 << 30, {}, { cores: 4, load: 1.2 })).toBe(3);
    expect(workerCount(1 << 30, {}, { cores: 4, load: 2.2 })).toBe(1);
    expect(workerCount(1 << 30, {}, { cores: 8, load: 0 })).toBe(4);
    expect(workerCount(1 << 30, { AKS_WG_HUBBLE_WORKERS: '3' }, { cores: 2, load: 0 })).toBe(3);
    expect(workerCount(1 << 30, { AKS_WG_HUBBLE_WORKERS: '0' }, { cores: 8, load: 0 })).toBe(1);
  });
});

describe('analyzeShares with an in-process share runner', () => {
  test('shares merged in file order give the single pass', async () => {
    const read = (f: string) => ({ text: fs.readFileSync(f, 'utf8'), file: f });
    const plan = planImport(read('fixtures/kubectl/three-nodes.json'), read('fixtures/kubectl/ciliumnodes.json'));
    const index = indexModel(modelFromPlan(plan, { wireguard: true, clusterCidrs: ['10.224.0.0/16', '10.244.0.0/16', '10.0.0.0/16'] }));
    const buf = Buffer.from(fs.readFileSync('fixtures/hubble/flows.jsonl', 'utf8').repeat(5));
    async function* chunks(b: Buffer): AsyncGenerator<string> {
      yield b.toString('utf8');
    }
    const cuts = lineCuts(buf.length, 3, (position, into) => buf.copy(into, 0, position, Math.min(buf.length, position + into.length)));
    const run: ShareRunner = (job, onLines) => analyzeShare(chunks(buf.subarray(job.start, job.end)), job.model, job.options, onLines);
    const whole = await analyzeHubble(readLines(chunks(buf)), index);
    const shared = await analyzeShares('flows.jsonl', cuts, run, index);
    expect(shared.stats).toEqual(whole.stats);
    expect(shared.malformed).toEqual(whole.malformed);
    expect(shared.coverage).toEqual(whole.coverage);
    expect(shared.flows.length).toBe(whole.flows.length);
  });

  test('the machine is asked only for a big file without an override', () => {
    const ask = () => {
      throw new Error('asked');
    };
    expect(workerCount(1000, {}, ask)).toBe(1);
    expect(workerCount(1 << 30, { AKS_WG_HUBBLE_WORKERS: '2' }, ask)).toBe(2);
    expect(workerCount(1 << 30, {}, () => ({ cores: 4, load: 0 }))).toBe(4);
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
