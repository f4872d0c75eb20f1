/**
 * 50 concurrent mutating commands on one cluster, as separate processes (nodepool add/scale, cluster update,
 * kubectl apply, clock advance): none fails, nothing deadlocks, and the final state equals what running the same
 * commands one after another gives. A lock left by a killed process is recovered.
 */
import { afterEach, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);
const BIN = path.resolve('bin/aks-wg');

function aksWg(home: string, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, AKS_WG_HOME: home }, cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
function aksWgSync(home: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, AKS_WG_HOME: home }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`aks-wg ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function deployment(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: app${i}, namespace: team${i % 3}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app${i}}}
  template:
    metadata: {labels: {app: app${i}}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: app${i}, namespace: team${i % 3}}
spec:
  selector: {app: app${i}}
  ports: [{port: 80, protocol: TCP}]
`;
}

async function prepare(): Promise<{ home: string; cwd: string; commands: string[][]; startMs: number }> {
  const home = path.join(makeTempDir(), 'state');
  const cwd = makeTempDir();
  aksWgSync(home, ['cluster', 'create', '-g', 'RG', '-n', 'C', '--enable-wireguard', '-c', '2', '-o', 'none']);
  for (let i = 0; i < 5; i++) aksWgSync(home, ['nodepool', 'add', '-g', 'RG', '--cluster-name', 'C', '-n', `s${i}`, '-c', '1', '-o', 'none']);
  const commands: string[][] = [];
  for (let i = 0; i < 15; i++) commands.push(['nodepool', 'add', '-g', 'RG', '--cluster-name', 'C', '-n', `p${i}`, '-c', '1', '-o', 'none']);
  for (let i = 0; i < 5; i++) commands.push(['nodepool', 'scale', '-g', 'RG', '--cluster-name', 'C', '-n', `s${i}`, '-c', '2', '-o', 'none']);
  for (let i = 0; i < 15; i++) {
    fs.writeFileSync(path.join(cwd, `app${i}.yaml`), deployment(i));
    commands.push(['kubectl', 'apply', '-f', `app${i}.yaml`, '--context', 'RG/C']);
  }
  for (let i = 0; i < 10; i++) commands.push(['clock', 'advance', '10s', '--context', 'RG/C', '-o', 'none']);
  for (let i = 0; i < 5; i++) commands.push(['cluster', 'update', '-g', 'RG', '-n', 'C', '--encryption-strict-egress-cidr', '10.244.0.0/16', '-o', 'none']);
  const startMs = JSON.parse(aksWgSync(home, ['clock', 'show', '--context', 'RG/C', '-o', 'json'])).elapsedMs as number;
  return { home, cwd, commands, startMs };
}

/** What must not depend on the order the commands ran in. */
function summary(home: string) {
  const mc = JSON.parse(aksWgSync(home, ['cluster', 'show', '-g', 'RG', '-n', 'C']));
  const clock = JSON.parse(aksWgSync(home, ['clock', 'show', '--context', 'RG/C', '-o', 'json']));
  const pods = JSON.parse(aksWgSync(home, ['kubectl', 'get', 'pods', '-A', '-o', 'json', '--context', 'RG/C'])).items as any[];
  const services = JSON.parse(aksWgSync(home, ['kubectl', 'get', 'services', '-A', '-o', 'json', '--context', 'RG/C'])).items as any[];
  const nodes = JSON.parse(aksWgSync(home, ['kubectl', 'get', 'nodes', '-o', 'json', '--context', 'RG/C'])).items as any[];
  const perApp: Record<string, number> = {};
  for (const p of pods) if (p.metadata.labels?.app?.startsWith('app')) perApp[`${p.metadata.namespace}/${p.metadata.labels.app}`] = (perApp[`${p.metadata.namespace}/${p.metadata.labels.app}`] ?? 0) + 1;
  const ciliumPods = pods.filter((p) => p.metadata.namespace === 'kube-system' && /^cilium-[a-z0-9]{5}$/.test(p.metadata.name)).length;
  const ips = pods.filter((p) => !p.spec.hostNetwork).map((p) => p.status.podIP);
  return {
    pools: Object.fromEntries(mc.agentPoolProfiles.map((p: any) => [p.name, p.count])),
    nodes: nodes.length,
    elapsedMs: clock.elapsedMs as number,
    perApp,
    services: services.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`).sort(),
    ciliumPodsPerNode: ciliumPods / nodes.length,
    podIpsUnique: new Set(ips).size === ips.length,
    encryption: aksWgSync(home, ['cluster', 'encryption-status', '-g', 'RG', '-n', 'C']),
  };
}

test('50 concurrent mutating commands equal the same commands run serially', async () => {
  const concurrent = await prepare();
  const results = await Promise.all(concurrent.commands.map((c) => aksWg(concurrent.home, concurrent.cwd, c)));
  const failures = results.map((r, i) => ({ cmd: concurrent.commands[i]!.join(' '), ...r })).filter((r) => r.code !== 0);
  expect(failures).toEqual([]);
  expect(listFiles(concurrent.home).filter((f) => /(^|\/)\.(lock|.*\.tmp-)/.test(f))).toEqual([]);

  const serial = await prepare();
  for (const c of serial.commands) expect((await aksWg(serial.home, serial.cwd, c)).code).toBe(0);

  const got = summary(concurrent.home);
  expect(got).toEqual(summary(serial.home));
  // And that state is the one the commands describe.
  expect(got.nodes).toBe(2 + 5 * 2 + 15);
  expect(got.elapsedMs - concurrent.startMs).toBe(100_000);
  expect(Object.keys(got.perApp)).toHaveLength(15);
  expect(Object.values(got.perApp).every((n) => n === 2)).toBe(true);
  expect(got.ciliumPodsPerNode).toBe(1);
  expect(got.podIpsUnique).toBe(true);
  expect(got.encryption).toBe(`Encryption: Wireguard (${got.nodes}/${got.nodes} nodes)\nEncryption strict mode (egress): Enabled [encryption-strict-egress-cidr: 10.244.0.0/16]\n`);
}, 300_000);

test('a lock left by a killed process is recovered', async () => {
  const home = path.join(makeTempDir(), 'state');
  aksWgSync(home, ['cluster', 'create', '-g', 'RG', '-n', 'C', '-c', '1', '-o', 'none']);
  // A process that takes the lock and is killed while holding it.
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
  expect(dead.status).toBe(0);
  fs.writeFileSync(path.join(home, '.lock'), JSON.stringify({ pid: dead.pid, startedAt: new Date().toISOString(), token: 'killed' }) + '\n', { mode: 0o600 });
  const r = await aksWg(home, home, ['nodepool', 'add', '-g', 'RG', '--cluster-name', 'C', '-n', 'after', '-c', '1', '-o', 'none']);
  expect([r.code, r.stderr]).toEqual([0, '']);
  expect(fs.existsSync(path.join(home, '.lock'))).toBe(false);
}, 60_000);
