// Issue 5's figures: `traffic inspect --hubble FILE` streaming a generated 1 GB `hubble observe -o json` log against
// an imported 20-node cluster: lines per second and the command's own peak RSS (measured inside the child process
// that runs the real CLI entry point, so the generator's memory is not counted). The file is generated into a temp
// directory and deleted afterwards. AKS_WG_BENCH_HUBBLE_MB sets another size (default 1024).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const NODES = 20;
const PODS_PER_NODE = 30;
const TARGET_BYTES = Number(process.env.AKS_WG_BENCH_HUBBLE_MB ?? 1024) * 1024 * 1024;

/** A kubectl List of NODES nodes with PODS_PER_NODE pods each (one hostNetwork pod per node), and a service. */
export function kubectlList() {
  const items = [];
  const pods = [];
  for (let n = 0; n < NODES; n++) {
    const name = `aks-nodepool1-12345678-vmss${n.toString(36).padStart(6, '0')}`;
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { agentpool: 'nodepool1', 'kubernetes.azure.com/mode': 'system', 'node.kubernetes.io/instance-type': n % 2 ? 'Standard_D4s_v5' : 'Standard_DS2_v2' } },
      spec: { podCIDR: `10.244.${n}.0/24` },
      status: { addresses: [{ type: 'InternalIP', address: `10.224.0.${n + 4}` }] },
    });
    for (let p = 0; p < PODS_PER_NODE; p++) {
      const host = p === 0;
      const ns = ['shop', 'payments', 'kube-system', 'monitoring'][p % 4];
      const pod = { ns, name: `app${p % 10}-${n}-${p}`, ip: host ? `10.224.0.${n + 4}` : `10.244.${n}.${p + 3}`, app: `app${p % 10}`, node: name, host };
      pods.push(pod);
      items.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod.name, namespace: ns, labels: { app: pod.app } },
        spec: { nodeName: name, hostNetwork: host, containers: [{ name: 'main', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
        status: { phase: 'Running', podIP: pod.ip },
      });
    }
  }
  items.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.0.0.1', ports: [{ port: 443 }] } });
  return { list: { apiVersion: 'v1', kind: 'List', items }, pods };
}

const labelsOf = (p) => [`k8s:app=${p.app}`, `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${p.ns}`, 'k8s:io.cilium.k8s.policy.cluster=default', 'k8s:io.cilium.k8s.policy.serviceaccount=default', `k8s:io.kubernetes.pod.namespace=${p.ns}`];

/** Line templates (~1 KB each, the shape of real Hubble lines), with the time and source port left open. */
export function templates(pods) {
  const out = [];
  let seed = 7;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 400; i++) {
    const a = pods[rnd(pods.length)];
    const b = i % 10 === 0 ? null : pods[rnd(pods.length)];
    const dst = b ? b.ip : `52.${rnd(255)}.${rnd(255)}.${rnd(255)}`;
    const ep = (p) => (p ? { ID: 100 + rnd(3000), identity: 20000 + rnd(5000), namespace: p.ns, labels: labelsOf(p), pod_name: p.name } : { identity: 2, labels: ['reserved:world'] });
    const reply = i % 3 === 0;
    const flow = {
      time: '@T',
      verdict: 'FORWARDED',
      ethernet: { source: '12:34:56:78:9a:bc', destination: 'fe:dc:ba:98:76:54' },
      IP: { source: reply ? dst : a.ip, destination: reply ? a.ip : dst, ipVersion: 'IPv4' },
      l4: { TCP: { source_port: reply ? 8080 : '@P', destination_port: reply ? '@P' : 8080, flags: { ACK: true, PSH: true } } },
      source: reply ? ep(b) : ep(a),
      destination: reply ? ep(a) : ep(b),
      Type: 'L3_L4',
      node_name: a.node,
      event_type: { type: 4, sub_type: 3 },
      traffic_direction: 'EGRESS',
      trace_observation_point: 'TO_STACK',
      is_reply: reply,
      interface: { index: 17, name: 'lxc5e8f0a1b2c3d' },
      Summary: 'TCP Flags: ACK, PSH',
    };
    const text = JSON.stringify({ flow, node_name: a.node, time: '@T' }).replace('"@P"', '@P');
    out.push(text.split(/@T|@P/));
  }
  return out;
}

/** Write TARGET_BYTES of lines; returns the line count. */
export function generate(file, tpl) {
  const fd = openSync(file, 'w');
  let bytes = 0;
  let lines = 0;
  let chunk = [];
  let size = 0;
  let t = Date.UTC(2026, 10, 25, 14, 0, 0);
  while (bytes < TARGET_BYTES) {
    const parts = tpl[lines % tpl.length];
    const time = `2026-11-25T14:${String(Math.floor((lines / 60000) % 60)).padStart(2, '0')}:${String(Math.floor(lines / 1000) % 60).padStart(2, '0')}.${String(lines % 1000).padStart(3, '0')}123456Z`;
    const port = String(32768 + (Math.floor(lines / 400) % 50)); // 50 source ports per template: 20,000 distinct flows
    const line = parts.length === 4 ? `${parts[0]}${time}${parts[1]}${port}${parts[2]}${time}${parts[3]}\n` : `${parts.join(time)}\n`;
    chunk.push(line);
    size += line.length;
    lines++;
    if (size >= 4 << 20) {
      const buf = Buffer.from(chunk.join(''));
      writeSync(fd, buf);
      bytes += buf.length;
      chunk = [];
      size = 0;
    }
    t++;
  }
  if (chunk.length) {
    const buf = Buffer.from(chunk.join(''));
    writeSync(fd, buf);
    bytes += buf.length;
  }
  closeSync(fd);
  return { lines, bytes };
}

const CHILD = `
const [main, env] = await Promise.all([import(process.env.AKS_WG_MAIN), import(process.env.AKS_WG_ENV)]);
const argv = JSON.parse(process.env.AKS_WG_ARGV);
const t0 = process.hrtime.bigint();
const code = await main.main(env.nodeEnv(), argv);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const u = process.resourceUsage();
process.stderr.write('\\nBENCH ' + JSON.stringify({ code, seconds, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssKb: u.maxRSS }) + '\\n');
`;

/** Run `aks-wg <argv>` in a child process of its own; returns its time and peak RSS. */
function measured(argv, env) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: {
      ...process.env,
      ...env,
      AKS_WG_ARGV: JSON.stringify(argv),
      AKS_WG_MAIN: pathToFileURL(resolve('dist/cli/main.js')).href,
      AKS_WG_ENV: pathToFileURL(resolve('dist/platform/env.js')).href,
    },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const m = /BENCH (.*)/.exec(r.stderr ?? '');
  if (!m) throw new Error(`aks-wg ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(m[1]);
  if (out.code !== 0) throw new Error(`aks-wg ${argv.join(' ')} exited ${out.code}: ${r.stderr}`);
  return out;
}

export async function run(ctx) {
  const dir = ctx.scratch('aks-wg-bench-hubble-');
  const env = { AKS_WG_HOME: join(dir, 'state'), NO_COLOR: '1' };
  const { list, pods } = kubectlList();
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(list));
  measured(['cluster', 'import', '-g', 'RG', '-n', 'bench', '--from-kubectl', join(dir, 'cluster.json'), '-o', 'none'], env);
  const file = join(dir, 'flows.jsonl');
  const g0 = process.hrtime.bigint();
  const { lines, bytes } = generate(file, templates(pods));
  const gen = Number(process.hrtime.bigint() - g0) / 1e9;
  console.log(`  generated ${(bytes / 1048576).toFixed(0)} MiB, ${lines.toLocaleString('en-US')} lines in ${gen.toFixed(1)} s`);
  const args = ['traffic', 'inspect', '-g', 'RG', '-n', 'bench', '--hubble', file, '--compare', '-o', 'none', '--only-show-errors'];
  const load = loadavg()[0].toFixed(1);
  const runs = [1, 2, 3].map(() => measured(args, env));
  const name = `traffic inspect --hubble (${(bytes / 1048576).toFixed(0)} MiB, ${lines.toLocaleString('en-US')} lines)`;
  ctx.record({ name, unit: 'lines/s', ...ctx.stats(runs.map((r) => lines / r.seconds)), goal: { op: '>=', value: 200_000 }, note: `one pass; load average ${load} at start, ${loadavg()[0].toFixed(1)} after` });
  ctx.record({ name: 'traffic inspect --hubble, per CPU second', unit: 'lines/cpu-s', ...ctx.stats(runs.map((r) => lines / r.cpuSeconds)), note: 'insensitive to other load' });
  ctx.record({ name: 'traffic inspect --hubble peak RSS', unit: 'MB', ...ctx.stats(runs.map((r) => r.maxRssKb / 1024)), goal: { op: '<=', value: 200 }, note: 'maxRSS of the command process' });
}
