/**
 * Issue 12 item 5: `--export-hubble FILE` then `--hubble FILE` gives back the run's flows, one distinct flow each,
 * graded as the run graded them. A flow keeps its 5-tuple at every observation point (TO_NETWORK, FROM_NETWORK,
 * TO_ENDPOINT/TO_STACK), as a real connection does in `hubble observe`.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

interface Ep {
  ip: string;
}
interface RunFlow {
  source: Ep;
  destination: Ep;
  protocol: string;
  sourcePort: number | null;
  port: number | null;
  path: string;
  encrypted: boolean;
}
interface HubbleFlow {
  source: Ep;
  destination: Ep;
  protocol: string;
  sourcePort: number;
  destinationPort: number;
  path: string;
  encrypted: boolean;
  reason: string;
}

const proto = (p: string) => (p === 'ICMP' ? 'ICMPv4' : p);
const runKey = (f: RunFlow) => `${proto(f.protocol)} ${f.source.ip}:${f.sourcePort ?? 0} ${f.destination.ip}:${f.port ?? 0}`;
const hubbleKey = (f: HubbleFlow) => `${f.protocol} ${f.source.ip}:${f.sourcePort} ${f.destination.ip}:${f.destinationPort}`;

describe('--export-hubble then --hubble', () => {
  test.each([
    ['the default flow set', ''],
    ['a sample of all pairs', '--all-pairs --sample 40'],
  ])('%s: one distinct flow per run flow, same path and verdict', async (_label, flags) => {
    const s = session({ seed: 'roundtrip' });
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3 -o none')).code).toBe(0);
    const file = path.join(makeTempDir(), 'flows.jsonl');
    const run = await s.run(`traffic inspect -g RG -n C ${flags} --export-hubble ${file} -o json`.replace(/ +/g, ' '));
    expect(run.code).toBe(0);
    const runFlows: RunFlow[] = run.json().flows;
    expect(runFlows.length).toBeGreaterThan(5);
    // every line of one flow carries the same ports as the flow (the fabric's ephemeral port, not a made-up one)
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).flow);
    const runPorts = new Set(runFlows.map((f) => `${f.source.ip}:${f.sourcePort ?? 0}>${f.destination.ip}:${f.port ?? 0}`));
    for (const l of lines.filter((x) => !x.IP.encrypted && (x.l4?.TCP || x.l4?.UDP))) {
      const p = x4(l);
      expect({ line: p, inRun: runPorts.has(p) }).toEqual({ line: p, inRun: true });
    }

    const back = await s.run(`traffic inspect -g RG -n C --hubble ${file} -o json`);
    expect(back.code).toBe(0);
    const flows: HubbleFlow[] = back.json().flows;
    expect(flows.map(hubbleKey).sort()).toEqual(runFlows.map(runKey).sort());
    const byKey = new Map(flows.map((f) => [hubbleKey(f), f]));
    for (const f of runFlows) {
      const h = byKey.get(runKey(f))!;
      expect({ key: runKey(f), path: h.path, encrypted: h.encrypted }).toEqual({ key: runKey(f), path: f.path, encrypted: f.encrypted });
      expect(h.reason).not.toBe('');
    }
    expect(back.json().summary).toMatchObject(run.json().summary);
  });
});

function x4(flow: { IP: { source: string; destination: string }; l4: Record<string, { source_port: number; destination_port: number }> }): string {
  const l4 = flow.l4['TCP'] ?? flow.l4['UDP']!;
  return `${flow.IP.source}:${l4.source_port}>${flow.IP.destination}:${l4.destination_port}`;
}
