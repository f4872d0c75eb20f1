#!/usr/bin/env node
// npm start: a short tour on a throw-away state dir inside the checkout (.demo-state/), so it never touches ~/.aks-wg.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../dist/cli/main.js';
import { nodeEnv } from '../dist/platform/env.js';

const home = join(dirname(fileURLToPath(import.meta.url)), '..', '.demo-state');
rmSync(home, { recursive: true, force: true });
const env = { ...nodeEnv(), home, vars: { ...process.env, AKS_WG_HOME: home } };

const steps = [
  ['cluster', 'create', '-g', 'demo-rg', '-n', 'demo', '--enable-wireguard', '-o', 'none'],
  ['cluster', 'show', '-g', 'demo-rg', '-n', 'demo', '-o', 'table'],
  ['cluster', 'show', '-g', 'demo-rg', '-n', 'demo', '--query', 'networkProfile'],
  ['nodepool', 'list', '-g', 'demo-rg', '--cluster-name', 'demo', '-o', 'table'],
  ['cluster', 'encryption-status', '-g', 'demo-rg', '-n', 'demo'],
  ['traffic', 'inspect', '-g', 'demo-rg', '-n', 'demo', '--query', 'flows[].{from: source.name, to: destination.name || destination.ip, protocol: protocol, path: path, encrypted: encrypted}', '-o', 'table'],
];
for (const argv of steps) {
  process.stdout.write(`\n$ aks-wg ${argv.join(' ')}\n`);
  const code = await main(env, argv);
  if (code !== 0) {
    process.exitCode = code;
    break;
  }
}
