// Issue 14's figures, on real Linux networking (needs root, /dev/net/tun, iproute2, wireguard-go, wireguard-tools,
// nftables, tshark, iputils-ping, iperf3; skipped with the missing names otherwise):
//   - `lab up` time for 3, 10 and 20 WireGuard nodes (the command's own timing of the build, and wall time of the CLI),
//   - memory: wireguard-go resident set per process and for all of a 20-node lab (the kernel's share of a namespace
//     is too small to tell from the machine's MemAvailable while other work runs),
//   - `traffic inspect --dataplane lab` flows/s (wall time, captures and tshark included),
//   - throughput: iperf3 TCP between two lab pods on different nodes (through wireguard-go) beside the simulated
//     fabric's WireGuard data path (the engine with the fabric's backend, seal + open of 1420-byte packets) measured
//     in the same run, as a ratio.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimClock } from '../../dist/platform/clock.js';
import { seededRng } from '../../dist/platform/rng.js';
import { sodiumBackend } from '../../dist/wg-host/sodium-backend.js';
import { Device } from '../../dist/wireguard/device.js';
import { generatePrivateKey } from '../../dist/wireguard/keys.js';

const BIN = resolve('bin/aks-wg');
const TOOLS = ['ip', 'unshare', 'wireguard-go', 'wg', 'nft', 'tshark', 'dumpcap', 'ping', 'iperf3'];

function missing() {
  const out = [];
  if (process.getuid?.() !== 0) out.push('root');
  if (!existsSync('/dev/net/tun')) out.push('/dev/net/tun');
  for (const t of TOOLS) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) out.push(t);
  return out;
}

function cli(args, env) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`aks-wg ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { stdout: r.stdout, seconds: (performance.now() - t0) / 1000 };
}

const rssMiB = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** MB/s of the simulated fabric's WireGuard data path: a sealed 1420-byte packet opened by the peer, wall time. */
function simulatedThroughputMBps(seconds = 1.5) {
  const clock = new SimClock(Date.UTC(2026, 0, 1));
  const keys = seededRng('bench:lab');
  const q = { a: [], b: [] };
  const mk = (name, key) => new Device({ privateKey: key, clock, rng: seededRng(`bench:lab:${name}`), backend: sodiumBackend, send: (d) => q[name].push(d) });
  const a = mk('a', generatePrivateKey(keys));
  const b = mk('b', generatePrivateKey(keys));
  const ea = { address: '10.224.0.4', port: 51871 };
  const eb = { address: '10.224.0.5', port: 51871 };
  a.addPeer({ publicKey: b.publicKey, endpoint: eb, allowedIps: ['10.244.1.5/32'] });
  b.addPeer({ publicKey: a.publicKey, endpoint: ea, allowedIps: ['10.244.0.5/32'] });
  const packet = new Uint8Array(1420);
  packet[0] = 0x45;
  packet[2] = 1420 >> 8;
  packet[3] = 1420 & 255;
  packet[8] = 64;
  packet[9] = 6;
  packet.set([10, 244, 0, 5], 12);
  packet.set([10, 244, 1, 5], 16);
  const pump = () => {
    while (q.a.length || q.b.length) {
      while (q.a.length) b.receive(q.a.shift(), ea);
      while (q.b.length) a.receive(q.b.shift(), eb);
    }
  };
  a.sendPacket(packet);
  pump();
  let bytes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 256; i++) a.sendPacket(packet);
    pump();
    bytes += 256 * 1420;
  }
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

/** iperf3 TCP from a pod on one node to a pod on another, through the lab's wireguard-go: MB/s received. */
async function iperf(env, server, client, serverIp) {
  const s = spawn(process.execPath, [BIN, 'lab', 'exec', '-g', 'RG', '-n', 'c3', server, '--', 'iperf3', '-s', '-1'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const out = cli(['lab', 'exec', '-g', 'RG', '-n', 'c3', client, '--', 'iperf3', '-c', serverIp, '-t', '4', '-J'], env).stdout;
  s.kill();
  const j = JSON.parse(out);
  return j.end.sum_received.bits_per_second / 8 / 1e6;
}

export async function run(ctx) {
  const lacks = missing();
  if (lacks.length) {
    console.log(`  skipped: the lab needs ${lacks.join(', ')}`);
    return;
  }
  const home = ctx.scratch('aks-wg-bench-lab-');
  const env = { AKS_WG_HOME: home, AKS_WG_SEED: 'bench' };
  try {
    // lab up for 3, 10 and 20 nodes (each built, measured, torn down; 3 times for 3 nodes)
    for (const n of [3, 10, 20]) {
      const name = `c${n}`;
      cli(['cluster', 'create', '-g', 'RG', '-n', name, '-c', String(n), '--enable-wireguard', '-o', 'none'], env);
      const builds = [];
      const walls = [];
      let last;
      const runs = n === 3 ? 3 : 1;
      for (let i = 0; i < runs; i++) {
        const up = cli(['lab', 'up', '-g', 'RG', '-n', name, '-o', 'json'], env);
        last = JSON.parse(up.stdout);
        builds.push(last.upSeconds);
        walls.push(up.seconds);
        if (i < runs - 1 || n !== 3) {
          const pids = last.nodes.map((x) => x.wireguard.pid);
          const rss = pids.map(rssMiB);
          const namespaces = 1 + last.nodes.length + last.pods;
          if (n === 20) {
            ctx.record({ name: 'wireguard-go resident memory per process (20-node lab, idle)', unit: 'MiB', ...ctx.stats(rss) });
            ctx.record({ name: `wireguard-go resident memory, all ${pids.length} processes of a 20-node lab (${namespaces} namespaces)`, unit: 'MiB', median: rss.reduce((x, y) => x + y, 0) });
          }
          cli(['lab', 'down', '-g', 'RG', '-n', name, '-o', 'none'], env);
        }
      }
      ctx.record({ name: `lab up, ${n} nodes (${last.pods} pod namespaces): build time`, unit: 's', ...ctx.stats(builds) });
      ctx.record({ name: `lab up, ${n} nodes: CLI wall time`, unit: 's', ...ctx.stats(walls) });
    }

    // flows/s of a lab inspect on the 3-node lab with a 6-replica Deployment
    cli(['cluster', 'get-credentials', '-g', 'RG', '-n', 'c3'], env);
    const manifest = join(home, 'web.yaml');
    writeFileSync(manifest, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  replicas: 6\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]\n');
    cli(['kubectl', 'apply', '-f', manifest], env);
    const rates = [];
    for (const sample of [100, 200]) {
      const r = cli(['traffic', 'inspect', '-g', 'RG', '-n', 'c3', '--dataplane', 'lab', '--all-pairs', '--sample', String(sample), '-o', 'none'], env);
      rates.push(sample / r.seconds);
    }
    ctx.record({ name: 'traffic inspect --dataplane lab, --all-pairs --sample 100/200 (captures + tshark included)', unit: 'flows/s', ...ctx.stats(rates) });

    // iperf3 through wireguard-go beside the simulated data path, same run
    const pods = JSON.parse(cli(['kubectl', 'get', 'pods', '-n', 'default', '-o', 'json'], env).stdout).items;
    const a = pods[0];
    const b = pods.find((p) => p.spec.nodeName !== a.spec.nodeName);
    const lab = [];
    const sim = [];
    for (let i = 0; i < 2; i++) {
      lab.push(await iperf(env, `default/${a.metadata.name}`, `default/${b.metadata.name}`, a.status.podIP));
      sim.push(simulatedThroughputMBps());
    }
    ctx.record({ name: 'iperf3 TCP pod → pod across nodes through wireguard-go (lab)', unit: 'MB/s', ...ctx.stats(lab) });
    ctx.record({ name: 'simulated fabric WireGuard data path (seal + open, 1420 B, one thread)', unit: 'MB/s', ...ctx.stats(sim) });
    ctx.record({ name: 'simulated ÷ wireguard-go throughput', unit: '×', median: ctx.stats(sim).median / ctx.stats(lab).median });
  } finally {
    for (const n of [3, 10, 20]) spawnSync(process.execPath, [BIN, 'lab', 'down', '-g', 'RG', '-n', `c${n}`, '-o', 'none'], { env: { ...process.env, ...env } });
  }
}
