#!/usr/bin/env node
// npm start: a short tour on a throw-away state dir inside the checkout (.demo-state/), so it never touches ~/.aks-wg.
// Each step is printed as a command line that can be pasted into a shell (`$ ` then the command, quoted for sh).
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../dist/cli/main.js';
import { nodeEnv } from '../dist/platform/env.js';

const home = process.env.AKS_WG_DEMO_HOME || join(dirname(fileURLToPath(import.meta.url)), '..', '.demo-state');
rmSync(home, { recursive: true, force: true });
const env = { ...nodeEnv(), home, vars: { ...process.env, AKS_WG_HOME: home } };

/** A word as sh reads it back: bare when it is plain, else in single quotes. */
const shellWord = (w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

const steps = [
  ['cluster', 'create', '-g', 'demo-rg', '-n', 'demo', '--enable-wireguard', '-o', 'none'],
  ['cluster', 'show', '-g', 'demo-rg', '-n', 'demo', '-o', 'table'],
  ['cluster', 'show', '-g', 'demo-rg', '-n', 'demo', '--query', 'networkProfile'],
  ['nodepool', 'list', '-g', 'demo-rg', '--cluster-name', 'demo', '-o', 'table'],
  ['cluster', 'encryption-status', '-g', 'demo-rg', '-n', 'demo'],
  ['traffic', 'inspect', '-g', 'demo-rg', '-n', 'demo'],
];
process.stdout.write(`# state in ${home}; to run these yourself: export AKS_WG_HOME=$(mktemp -d), then paste the lines after '$ '\n`);
for (const argv of steps) {
  process.stdout.write(`\n$ aks-wg ${argv.map(shellWord).join(' ')}\n`);
  const code = await main(env, argv);
  if (code !== 0) {
    process.exitCode = code;
    break;
  }
}
