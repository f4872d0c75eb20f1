/**
 * The HTML report in a real browser: headless Chromium (Debian's `chromium`) loads the page from a file, runs its
 * script, and dumps the DOM; the rendered numbers must equal the command's JSON output. Skipped, with a message,
 * where /usr/bin/chromium is not installed.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browserTest = CHROMIUM ? test : test.skip;
if (!CHROMIUM) console.warn('report-browser.test: chromium not found at /usr/bin/chromium (Debian package `chromium`); the HTML report browser tests are skipped');

/** The DOM after the page's script ran. */
function renderedDom(file: string): string {
  const r = spawnSync(CHROMIUM!, [...FLAGS, `--user-data-dir=${makeTempDir('aks-wg-chromium-')}`, '--virtual-time-budget=5000', '--dump-dom', `file://${file}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const cellText = (dom: string, re: RegExp): string => {
  const m = re.exec(dom);
  if (!m) throw new Error(`not in the rendered page: ${re}`);
  return m[1]!;
};

function expectRendered(dom: string, json: any): void {
  expect(dom).toContain('data-rendered="true"');
  const s = json.summary;
  expect(cellText(dom, /data-testid="total"><div class="v">([^<]*)</)).toBe(String(s.total));
  expect(cellText(dom, /data-testid="encrypted"><div class="v">([^<]*)</)).toMatch(new RegExp(`^${s.encrypted} \\(`));
  expect(cellText(dom, /data-testid="unencrypted-inter-node"><div class="v">([^<]*)</)).toBe(String(s.unencryptedInterNodePod));
  for (const p of Object.keys(s.byPath)) {
    expect(cellText(dom, new RegExp(`data-path="${p}"><td>${p}</td><td class="count">([^<]*)<`))).toBe(String(s.byPath[p]));
  }
  if (json.comparison) {
    for (const c of json.comparison) {
      expect(cellText(dom, new RegExp(`data-row="all">.*?data-scenario="${c.scenario}"[^>]*>([^<]*)<`))).toBe(`${c.encrypted} (${c.percent}%)`);
      const inter = c.byPath['inter-node'];
      if (inter.total > 0) {
        expect(cellText(dom, new RegExp(`data-row="path:inter-node">.*?data-scenario="${c.scenario}"[^>]*>([^<]*)<`))).toBe(`${inter.encrypted} (${inter.percent}%)`);
      }
    }
  }
  // self-contained: nothing is fetched from anywhere
  expect(dom).not.toMatch(/(src|href)="(https?:)?\/\//);
}

describe('HTML report in headless Chromium', () => {
  browserTest('Hubble flows of an imported cluster, with the comparison', async () => {
    const s = session();
    const fix = path.resolve('fixtures');
    expect((await s.run(`cluster import -g RG -n prod --from-kubectl ${fix}/kubectl/three-nodes.json --ciliumnodes ${fix}/kubectl/ciliumnodes.json -o none`)).code).toBe(0);
    const file = path.join(makeTempDir(), 'report.html');
    const r = await s.run(`traffic inspect -g RG -n prod --hubble ${fix}/hubble/flows.jsonl --compare --report ${file} -o json`);
    expect(r.code).toBe(0);
    const json = r.json();
    expect(json.summary.total).toBe(11);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toMatch(/https?:\/\//);
    const dom = renderedDom(file);
    expectRendered(dom, json);
    // the topology holds every node as a box with its pods, and the flows
    for (const n of ['aks-nodepool1-31415926-vmss000000', 'aks-nodepool1-31415926-vmss000001', 'aks-userpool-31415926-vmss000000']) expect(dom).toContain(`data-node="${n}"`);
    expect(dom).toContain('shop/client');
    expect((dom.match(/class="flow cat-encrypted"/g) ?? []).length).toBeGreaterThan(0);
    expect((dom.match(/class="flow cat-external"/g) ?? []).length).toBe(2);
  });

  browserTest('simulated flows of a created cluster', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -o none')).code).toBe(0);
    const file = path.join(makeTempDir(), 'sim.html');
    const r = await s.run(`traffic inspect -g RG -n C --compare --report ${file} -o json`);
    expect(r.code).toBe(0);
    expectRendered(renderedDom(file), r.json());
  });
});
