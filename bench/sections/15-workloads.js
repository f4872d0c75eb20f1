// Issue 4 item 1's figures: a 5,000-node cluster (azure CNI + Cilium dataplane, WireGuard off so the agents' key
// files do not dominate) with 30 pods per node (the system pods plus one 130,000-replica Deployment), measured
// through the CLI as separate processes: create, apply, `kubectl get pods -A` (table and -o json), nodepool scale,
// and `cluster show` (which must not read the workloads).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BIN = resolve('bin/aks-wg');

/** Wall time of one process run, in seconds; throws if it fails. stdout is discarded. */
function timed(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return s;
}
const repeat = (n, f) => Array.from({ length: n }, f);

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 130000
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx}]}
`;

export async function run(ctx) {
  const home = ctx.scratch('aks-wg-bench-');
  const env = { AKS_WG_HOME: home };
  let create = timed(['cluster', 'create', '-g', 'RG', '-n', 'big', '-c', '1000', '--pod-cidr', '100.64.0.0/10', '--network-dataplane', 'cilium', '-o', 'none'], env);
  for (const p of ['pool2', 'pool3', 'pool4', 'pool5']) create += timed(['nodepool', 'add', '-g', 'RG', '--cluster-name', 'big', '-n', p, '-c', '1000', '-o', 'none'], env);
  ctx.record({ name: 'create 5,000 nodes with system pods, no WireGuard (create + 4 nodepool add)', unit: 's', median: create, goal: { op: '<=', value: 3 } });
  timed(['cluster', 'get-credentials', '-g', 'RG', '-n', 'big'], env);
  writeFileSync(join(home, 'web.yaml'), DEPLOYMENT);
  ctx.record({ name: 'kubectl apply a 130,000-replica Deployment on 5,000 nodes', unit: 's', median: timed(['kubectl', 'apply', '-f', join(home, 'web.yaml')], env) });
  const get = ctx.stats(repeat(3, () => timed(['kubectl', 'get', 'pods', '-A'], env)));
  ctx.record({ name: 'kubectl get pods -A (150,000 pods)', unit: 's', ...get });
  ctx.record({ name: 'kubectl get pods -A -o json (150,000 pods, ~670 MB)', unit: 's', median: timed(['kubectl', 'get', 'pods', '-A', '-o', 'json'], env) });
  ctx.record({ name: 'nodepool scale 1,000 → 900 with 150,000 pods', unit: 's', median: timed(['nodepool', 'scale', '-g', 'RG', '--cluster-name', 'big', '-n', 'pool5', '-c', '900', '-o', 'none'], env) });
  const show = ctx.stats(repeat(5, () => timed(['cluster', 'show', '-g', 'RG', '-n', 'big', '-o', 'none'], env)));
  ctx.record({ name: 'cluster show with 150,000 pods stored', unit: 's', ...show, goal: { op: '<=', value: 0.2 } });
}
