#!/usr/bin/env node
// Writes docs/report.png for the README: imports the fixture cluster, evaluates the fixture Hubble log with
// --compare --report, and has headless Chromium (Debian's `chromium`) take a screenshot of the page.
// Usage: npm run build && node scripts/screenshot.js [OUT.png]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'docs/report.png');
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium) {
  console.error('screenshot: chromium not found at /usr/bin/chromium (install the Debian package `chromium`)');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'aks-wg-shot-'));
const env = { ...process.env, AKS_WG_HOME: join(tmp, 'state'), NO_COLOR: '1' };
const aksWg = (...args) => {
  const r = spawnSync(process.execPath, [resolve('bin/aks-wg'), ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`aks-wg ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
};
try {
  const html = join(tmp, 'report.html');
  aksWg('cluster', 'import', '-g', 'rg-prod', '-n', 'prod-aks', '--from-kubectl', 'fixtures/kubectl/three-nodes.json', '--ciliumnodes', 'fixtures/kubectl/ciliumnodes.json', '-o', 'none');
  aksWg('traffic', 'inspect', '-g', 'rg-prod', '-n', 'prod-aks', '--hubble', 'fixtures/hubble/flows.jsonl', '--compare', '--report', html, '-o', 'none');
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const r = spawnSync(chromium, [...flags, `--user-data-dir=${join(tmp, 'profile')}`, '--hide-scrollbars', '--window-size=1400,1320', `--screenshot=${out}`, `file://${html}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`chromium failed (${r.status}): ${r.stderr}`);
  console.log(`wrote ${out}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
