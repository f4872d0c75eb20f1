// Issue 6's AKS-scale figures, WireGuard on: a 5,000-node cluster (5 pools × 1,000) with 30 pods per node —
// create, scale a pool, `kubectl get pods -A`, `cluster show`, `traffic inspect` (default set) and random pod
// pairs (a million flows over 10,000 pairs, run; a million distinct pairs, extrapolated from 20,000) — each as a
// separate process, with wall time (spawn to exit) and peak RSS.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { diffieHellman, generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const MEASURE = resolve('bench/lib/measure.js');
const NODES = 5000;
const PODS_PER_NODE = 30;

/** One command in a fresh process: { seconds, maxRssMiB }. */
function measure(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [MEASURE, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const report = r.output[3] ? JSON.parse(r.output[3]) : null;
  if (r.status !== 0 || !report || report.code !== 0) throw new Error(`aks-wg ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, maxRssMiB: report.maxRssMiB };
}
/** Raw node:crypto X25519 operations per second on one core (the floor of a handshake: 8 of them). */
function x25519PerSecond() {
  const a = generateKeyPairSync('x25519');
  const b = generateKeyPairSync('x25519');
  let n = 0;
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() - t0 < 300_000_000n) {
    for (let i = 0; i < 100; i++) diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
    n += 100;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}
const mib = (m) => `peak RSS ${m.toFixed(0)} MiB`;

export async function run(ctx) {
  const home = ctx.scratch('aks-wg-bench-scale-');
  const env = { AKS_WG_HOME: home, AKS_WG_SEED: 'bench-scale' };
  const steps = [measure(['cluster', 'create', '-g', 'RG', '-n', 'aks', '-c', '1000', '--pod-cidr', '100.64.0.0/10', '--enable-wireguard', '-o', 'none'], env)];
  for (const p of ['pool2', 'pool3', 'pool4', 'pool5']) steps.push(measure(['nodepool', 'add', '-g', 'RG', '--cluster-name', 'aks', '-n', p, '-c', '1000', '-o', 'none'], env));
  const create = steps.reduce((s, m) => s + m.seconds, 0);
  ctx.record({
    name: 'create 5,000 WireGuard nodes (create + 4 nodepool add, key file per node)',
    unit: 's',
    median: create,
    goal: { op: '<=', value: 3 },
    note: mib(Math.max(...steps.map((m) => m.maxRssMiB))),
  });
  measure(['cluster', 'get-credentials', '-g', 'RG', '-n', 'aks'], env);
  // system pods are 3-4 a node here; one Deployment brings every node to about 30
  const manifest = join(home, 'load.yaml');
  writeFileSync(
    manifest,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: load}\nspec:\n  replicas: ${NODES * (PODS_PER_NODE - 3)}\n  selector: {matchLabels: {app: load}}\n  template:\n    metadata: {labels: {app: load}}\n    spec: {containers: [{name: app, image: nginx}]}\n`,
  );
  const apply = measure(['kubectl', 'apply', '-f', manifest], env);
  ctx.record({ name: `kubectl apply ${NODES * (PODS_PER_NODE - 3)} replicas`, unit: 's', median: apply.seconds, note: mib(apply.maxRssMiB) });
  const scale = measure(['nodepool', 'scale', '-g', 'RG', '--cluster-name', 'aks', '-n', 'pool5', '-c', '999', '-o', 'none'], env);
  ctx.record({ name: 'nodepool scale 1,000 → 999 (pods rescheduled, peers updated)', unit: 's', median: scale.seconds, note: mib(scale.maxRssMiB) });
  const get = measure(['kubectl', 'get', 'pods', '-A'], env);
  ctx.record({ name: 'kubectl get pods -A (~150,000 pods)', unit: 's', median: get.seconds, note: mib(get.maxRssMiB) });
  const shows = Array.from({ length: 5 }, () => measure(['cluster', 'show', '-g', 'RG', '-n', 'aks', '-o', 'none'], env));
  ctx.record({ name: 'cluster show (5,000 nodes)', unit: 's', ...ctx.stats(shows.map((m) => m.seconds)), goal: { op: '<=', value: 0.2 }, note: mib(shows[0].maxRssMiB) });
  const inspect = measure(['traffic', 'inspect', '-g', 'RG', '-n', 'aks', '-o', 'none'], env);
  ctx.record({ name: 'traffic inspect, default flow set', unit: 's', median: inspect.seconds, goal: { op: '<=', value: 2 }, note: mib(inspect.maxRssMiB) });
  // A million flows, run for real: 10,000 random pod pairs (≈ 8,100 of them pod-to-pod across nodes, so as many
  // node pairs with a real handshake) each sending a packet a second for 100 simulated seconds, on both cores.
  const PAIRS = 10_000;
  const sessions = join(home, 'clusters', 'rg', 'aks', 'fabric', 'sessions.json');
  // three runs, each from fresh sessions (the run's wall time varies by ±1 s with the machine's other work)
  const millions = [0, 1, 2].map(() => {
    rmSync(sessions, { force: true });
    return measure(['traffic', 'inspect', '-g', 'RG', '-n', 'aks', '--all-pairs', '--sample', String(PAIRS), '--duration', '100s', '--interval', '1s', '-o', 'none'], env);
  });
  const millionNote = `${PAIRS.toLocaleString('en')} random pod pairs × 100 rounds (1 s apart), one real packet each; 3 runs`;
  ctx.record({ name: 'traffic inspect, 1,000,000 flows: time', unit: 's', ...ctx.stats(millions.map((m) => m.seconds)), goal: { op: '<=', value: 15 }, note: millionNote });
  const rss = millions.map((m) => m.maxRssMiB);
  ctx.record({ name: 'traffic inspect, 1,000,000 flows: peak RSS, worst of 3', unit: 'MiB', median: Math.max(...rss), min: Math.min(...rss), max: Math.max(...rss), goal: { op: '<=', value: 1024 } });
  // A million *distinct* random pod pairs of 5,000 nodes are about a million distinct node pairs, each needing its
  // own real handshake (8 X25519 operations) and saved session. Measure 20,000 such flows from fresh sessions,
  // scale linearly, and give the floor the handshakes alone set on this machine's cores.
  const SAMPLE = 20_000;
  rmSync(sessions, { force: true });
  const part = measure(['traffic', 'inspect', '-g', 'RG', '-n', 'aks', '--all-pairs', '--sample', String(SAMPLE), '--query', 'summary', '-o', 'none'], env);
  ctx.record({ name: `traffic inspect, ${SAMPLE.toLocaleString('en')} random pod pairs (≈ as many node pairs)`, unit: 's', median: part.seconds, note: mib(part.maxRssMiB) });
  const factor = 1_000_000 / SAMPLE;
  const floor = (1_000_000 * 8) / (x25519PerSecond() * availableParallelism());
  ctx.record({
    name: 'traffic inspect, 1,000,000 distinct random pod pairs: extrapolated (not run)',
    unit: 's',
    median: part.seconds * factor,
    goal: { op: '<=', value: 15 },
    note: `${SAMPLE.toLocaleString('en')}-pair run × ${factor}; the handshakes alone need ≥ ${floor.toFixed(0)} s on ${availableParallelism()} cores (8 raw X25519 each)`,
  });
}
