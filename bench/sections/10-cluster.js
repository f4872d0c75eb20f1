// Issue 2's figures: CLI start-up (`cluster show`) beside `node -e 0`, a 5,000-node cluster's create and load time.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('bin/aks-wg');

/** Wall time of one process run, in seconds; throws if it fails. */
function timed(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return s;
}
const repeat = (n, f) => Array.from({ length: n }, f);

export async function run(ctx) {
  const home = ctx.scratch('aks-wg-bench-');
  const env = { AKS_WG_HOME: home };
  timed([BIN, 'cluster', 'create', '-g', 'RG', '-n', 'small', '-o', 'none'], env);
  const node = ctx.stats(repeat(15, () => timed(['-e', '0'], env)));
  ctx.record({ name: 'node -e 0 (the floor)', unit: 's', ...node });
  const show = ctx.stats(repeat(15, () => timed([BIN, 'cluster', 'show', '-g', 'RG', '-n', 'small'], env)));
  ctx.record({ name: 'aks-wg cluster show (3 nodes)', unit: 's', ...show, goal: { op: '<=', value: 0.1 }, note: `${(show.median / node.median).toFixed(2)}× node -e 0` });

  const creates = repeat(3, (_, i) => {
    const name = `big${i}`;
    let t = timed([BIN, 'cluster', 'create', '-g', 'RG', '-n', name, '-c', '1000', '--pod-cidr', '100.64.0.0/10', '--enable-wireguard', '-o', 'none'], env);
    for (const p of ['pool2', 'pool3', 'pool4', 'pool5']) {
      t += timed([BIN, 'nodepool', 'add', '-g', 'RG', '--cluster-name', name, '-n', p, '-c', '1000', '-o', 'none'], env);
    }
    return t;
  });
  ctx.record({ name: 'create 5,000-node cluster (create + 4 nodepool add)', unit: 's', ...ctx.stats(creates), goal: { op: '<=', value: 3 } });
  const load = ctx.stats(repeat(9, () => timed([BIN, 'cluster', 'show', '-g', 'RG', '-n', 'big0', '-o', 'none'], env)));
  ctx.record({ name: 'load 5,000-node cluster (cluster show)', unit: 's', ...load, goal: { op: '<=', value: 0.2 } });
}
