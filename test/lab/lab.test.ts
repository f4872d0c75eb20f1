// The lab on real Linux networking: `lab up/status/exec/down` and `traffic inspect --dataplane lab / --cross-check`
// on 3-node clusters with pods on every node, a hostNetwork pod and a service; WireGuard on, off, rolling enable with
// strict mode and a rogue machine; tshark on the bridge capture; teardown after kill -9. The real part is skipped,
// naming what is missing, without root, /dev/net/tun or the tools. Cluster names carry this process's pid so a run
// beside other test runs builds different namespaces.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST as WEB_MANIFEST } from '../fabric/helpers.js';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { interopPrerequisites, runCommand } from '../wireguard/tools.js';
import { labPlan, labPrefix } from '../../src/lab/plan.js';
import { sizeProblem } from '../../src/commands/lab/shared.js';
import { checkPrerequisites, LAB_TOOLS } from '../../src/commands/lab/shared.js';
import { labPrerequisitesMissing } from '../../src/platform/lab-shell.js';

const RG = `labtest${process.pid}`;

/** web: 6 replicas behind a ClusterIP service (two per node), and a hostNetwork DaemonSet-like pod per node. */
const MANIFEST = `${WEB_MANIFEST}---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: hostagent, namespace: default}
spec:
  selector: {matchLabels: {app: hostagent}}
  template:
    metadata: {labels: {app: hostagent}}
    spec:
      hostNetwork: true
      containers: [{name: a, image: busybox, ports: [{containerPort: 9100}]}]
`;

// after every describe's own afterAll (a lab is torn down before its state directory goes)
afterAll(removeTempDirs);

describe('lab: checks that need no privileges', () => {
  test('names carry a per-cluster prefix that fits interface names', () => {
    const p = labPrefix('RG', 'Cluster');
    expect(p).toMatch(/^aw[0-9a-f]{6}$/);
    expect(labPrefix('rg', 'cluster')).toBe(p);
    expect(labPrefix('rg', 'other')).not.toBe(p);
    const plan = labPlan({
      resourceGroup: 'rg',
      name: 'c',
      nodes: [
        { name: 'n0', ip: '10.224.0.4', podCidr: '10.244.0.0/24' },
        { name: 'n1', ip: '10.224.0.5', podCidr: '10.244.1.0/24' },
      ],
      nodeSubnet: '10.224.0.0/16',
      pods: [
        { namespace: 'default', name: 'a', node: 'n0', ip: '10.244.0.5', hostNetwork: false },
        { namespace: 'default', name: 'h', node: 'n1', ip: '10.224.0.5', hostNetwork: true },
      ],
      wireguard: new Map(),
    });
    for (const ns of [plan.vnetNs, ...plan.nodes.map((n) => n.ns), plan.pods[0]!.ns!]) expect(ns.startsWith(`${plan.prefix}-`)).toBe(true);
    expect(plan.bridge.length).toBeLessThanOrEqual(15);
    expect(plan.nodes.every((n) => n.port.length <= 15 && n.port.startsWith(plan.prefix))).toBe(true);
    // a hostNetwork pod shares its node's namespace
    expect(plan.pods[1]!.ns).toBeNull();
    // WireGuard off: no cilium_wg0, no routes into it
    expect(plan.nodes.every((n) => n.wg === null && n.wgRoutes.length === 0)).toBe(true);
  });

  test('a cluster too big for the machine is refused before anything is created', () => {
    const nodes = Array.from({ length: 60 }, (_, i) => ({ name: `n${i}`, ip: `10.224.0.${i + 4}`, podCidr: `10.244.${i}.0/24` }));
    const plan = labPlan({ resourceGroup: 'rg', name: 'c', nodes, nodeSubnet: '10.224.0.0/16', pods: [], wireguard: new Map() });
    expect(sizeProblem(plan, 8000)).toMatch(/^the cluster has 60 nodes; the lab builds at most 50/);
    const small = labPlan({ resourceGroup: 'rg', name: 'c', nodes: nodes.slice(0, 3), nodeSubnet: '10.224.0.0/16', pods: [], wireguard: new Map() });
    expect(sizeProblem(small, 8000)).toBeUndefined();
    expect(sizeProblem(small, 2)).toMatch(/MiB available/);
  });

  test('missing tools and privileges are named', () => {
    expect(labPrerequisitesMissing(['aks-wg-no-such-tool'])).toContain('aks-wg-no-such-tool');
    expect(() => checkPrerequisites(['aks-wg-no-such-tool'])).toThrow(/^the lab needs (.*; and )?aks-wg-no-such-tool, missing on this machine \(Debian: apt-get install -y iproute2 wireguard-go wireguard-tools nftables tshark iputils-ping\)$/);
  });

  test('lab-only flag combinations are usage errors; a cluster without a lab is not found', async () => {
    const dir = makeTempDir();
    const s = session({ cwd: dir, home: path.join(dir, 'state') });
    expect((await s.run(`cluster create -g ${RG} -n flags --enable-wireguard -o none`)).code).toBe(0);
    const r = await s.run(`traffic inspect -g ${RG} -n flags --dataplane lab --duration 10s`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ERROR: --duration cannot be used with --dataplane lab (the lab has no WireGuard key log and runs in real time)\n');
    const k = await s.run(`traffic inspect -g ${RG} -n flags --cross-check --keylog k.txt`);
    expect(k.code).toBe(2);
    // down of a lab that was never built: nothing to remove, exit 0
    const d = await s.run(`lab down -g ${RG} -n flags`);
    expect(d.code).toBe(0);
    expect(d.json()).toEqual({ removed: { namespaces: [], processes: [] } });
  });
});

const missing = interopPrerequisites([...LAB_TOOLS]);
if (missing.length) console.warn(`SKIPPED lab tests on real Linux networking: missing ${missing.join(', ')}`);
const maybe = missing.length ? describe.skip : describe;

interface Row {
  source: { kind: string; name: string | null; namespace: string | null; node: string | null; ip: string; hostNetwork: boolean };
  destination: { kind: string; name: string | null; namespace: string | null; node: string | null; ip: string; hostNetwork: boolean };
  path: string;
  encrypted: boolean;
  verdict: string;
  dropReason: string | null;
  reason: string;
  simulated?: { encrypted: boolean; verdict: string };
  lab?: { encrypted: boolean; verdict: string; dropReason: string | null; reason: string };
  agree?: boolean;
}

const netnsList = () => execFileSync('ip', ['netns', 'list']).toString().split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

/** Inner (non-WireGuard) IPv4 packets on a capture between two pod IPs, by tshark. */
async function plaintextPodPackets(file: string, podIps: Set<string>): Promise<string[]> {
  const r = await runCommand('tshark', ['-n', '-r', file, '-d', 'udp.port==51871,wg', '-Y', 'ip && !wg', '-T', 'fields', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'ip.dst']);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => {
    const [s, d] = l.split('\t');
    return podIps.has(s!) && podIps.has(d!);
  });
}

maybe('lab on real Linux networking', () => {
  const dir = makeTempDir();
  const home = path.join(dir, 'state');
  const s = session({ cwd: dir, home, seed: 'lab' });
  const must = async (argv: string) => {
    const r = await s.run(argv);
    if (r.code !== 0) throw new Error(`${argv} → ${r.code}: ${r.stderr}`);
    return r;
  };
  const clusters: string[] = [];
  const create = async (name: string, flags: string) => {
    clusters.push(name);
    await must(`cluster create -g ${RG} -n ${name} -c 3 ${flags} -o none`);
    await must(`cluster get-credentials -g ${RG} -n ${name}`);
    fs.writeFileSync(path.join(dir, 'web.yaml'), MANIFEST);
    await must('kubectl apply -f web.yaml');
  };
  const podIps = async (): Promise<Map<string, string>> => {
    const r = await must('kubectl get pods -A -o json');
    const out = new Map<string, string>();
    for (const p of r.json().items as any[]) if (p.spec.nodeName && !p.spec.hostNetwork) out.set(p.status.podIP, p.spec.nodeName);
    return out;
  };

  afterAll(async () => {
    for (const name of clusters) {
      const r = await s.run(`lab down -g ${RG} -n ${name}`);
      if (r.code !== 0) console.error(`lab down of ${name} failed: ${r.stderr}`);
    }
  }, 60_000);

  test('WireGuard on: lab up builds namespaces and wireguard-go per node; every path class agrees with the simulation', async () => {
    await create('on', '--enable-wireguard');
    const up = await must(`lab up -g ${RG} -n on -o json`);
    const summary = up.json();
    expect(summary.nodes).toHaveLength(3);
    const names = netnsList();
    for (const n of summary.nodes) {
      expect(names).toContain(n.namespace);
      expect(n.wireguard.peers).toBe(2);
      expect(n.wireguard.mtu).toBe(1420);
      expect(fs.readFileSync(`/proc/${n.wireguard.pid}/cmdline`, 'utf8')).toContain('wireguard-go');
    }
    // wg show in a node: keys hidden, two peers with the agent's AllowedIPs (node IP first)
    const node0 = summary.nodes[0];
    const show = await must(`lab exec -g ${RG} -n on node/${node0.name} -- wg show cilium_wg0`);
    expect(show.stdout).toContain('private key: (hidden)');
    expect(show.stdout).toContain('listening port: 51871');
    expect(show.stdout.match(/^peer: /gm)).toHaveLength(2);
    const failing = await s.run(['lab', 'exec', '-g', RG, '-n', 'on', 'node/' + node0.name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([failing.code, failing.stdout, failing.stderr]).toEqual([3, 'out\n', 'err\n']);
    const rules = await must(`lab exec -g ${RG} -n on node/${node0.name} -- ip rule`);
    expect(rules.stdout).toContain(`from ${node0.podCidr} lookup 201`);

    const cc = await s.run(`traffic inspect -g ${RG} -n on --cross-check -o json --capture on.pcap`);
    expect(cc.stderr).toMatch(/agree (\d+)\/\1\n/);
    expect(cc.code).toBe(0);
    const rows: Row[] = cc.json().flows;
    expect(new Set(rows.map((r) => r.path))).toEqual(new Set(['inter-node', 'same-node', 'node-originated', 'to-node', 'external']));
    expect(rows.every((r) => r.agree)).toBe(true);
    const inter = rows.filter((r) => r.path === 'inter-node');
    expect(inter.length).toBeGreaterThanOrEqual(3);
    expect(inter.every((r) => r.lab!.encrypted && r.lab!.verdict === 'FORWARDED')).toBe(true);
    expect(rows.filter((r) => r.path !== 'inter-node').every((r) => !r.lab!.encrypted)).toBe(true);
    expect(rows.find((r) => r.path === 'external')!.lab!.reason).toMatch(/^not sent/);
    // the capture: no pod-to-pod packet between nodes in plaintext, and WireGuard between the nodes
    const pods = await podIps();
    const leaked = (await plaintextPodPackets(path.join(dir, 'on.pcap'), new Set(pods.keys()))).filter((l) => {
      const [a, b] = l.split('\t');
      return pods.get(a!) !== pods.get(b!);
    });
    expect(leaked).toEqual([]);
    const wgRows = await runCommand('tshark', ['-n', '-r', path.join(dir, 'on.pcap'), '-d', 'udp.port==51871,wg', '-Y', 'wg.type == 4', '-T', 'fields', '-e', 'ip.src']);
    expect(wgRows.stdout.trim().split('\n').length).toBeGreaterThan(3);

    // status: processes alive, handshakes made
    const st = (await must(`lab status -g ${RG} -n on -o json`)).json();
    expect(st.upToDate).toBe(true);
    expect(st.nodes.every((n: any) => n.present && n.wireguardGo.alive && n.wgShow.includes('(hidden)'))).toBe(true);
    expect(st.nodes.some((n: any) => n.handshakes > 0)).toBe(true);
  }, 180_000);

  test('WireGuard off (live change): the lab follows the model, and the capture shows pod-to-pod plaintext', async () => {
    const upd = await must(`cluster update -g ${RG} -n on --disable-wireguard -o none`);
    expect(upd.stderr.match(/cilium_wg0 removed \(agent without WireGuard\)/g)).toHaveLength(3);
    const st = (await must(`lab status -g ${RG} -n on -o json`)).json();
    expect(st.upToDate).toBe(true);
    const r = await s.run(`traffic inspect -g ${RG} -n on --dataplane lab -o json --capture off.pcap`);
    expect(r.code).toBe(0);
    const rep = r.json();
    expect(rep.dataplane).toBe('lab');
    expect(rep.summary.encrypted).toBe(0);
    const inter = (rep.flows as Row[]).filter((f) => f.path === 'inter-node');
    expect(inter.length).toBeGreaterThan(0);
    expect(inter.every((f) => !f.encrypted && f.verdict === 'FORWARDED' && /plaintext on the bridge/.test(f.reason))).toBe(true);
    const pods = await podIps();
    const plain = (await plaintextPodPackets(path.join(dir, 'off.pcap'), new Set(pods.keys()))).filter((l) => {
      const [a, b] = l.split('\t');
      return pods.get(a!) !== pods.get(b!);
    });
    expect(plain.length).toBeGreaterThan(0);
    expect(netnsList().filter((n) => n.startsWith(labPrefix(RG, 'on'))).length).toBeGreaterThan(3);
    const ps = (await must(`lab status -g ${RG} -n on -o json`)).json();
    expect(ps.nodes.every((n: any) => n.wireguardGo === null)).toBe(true);
    const cc = await s.run(`traffic inspect -g ${RG} -n on --cross-check -o json`);
    expect(cc.code).toBe(0);
    expect(cc.stderr).toMatch(/agree (\d+)\/\1\n/);
  }, 180_000);

  test('live changes reconfigure a running lab in place: nodepool scale, node reimage, kubectl delete, rolling enable', async () => {
    await create('live', '--enable-wireguard');
    const up = (await must(`lab up -g ${RG} -n live -o json`)).json();
    const prefix = labPrefix(RG, 'live');
    const pidsBefore = up.nodes.map((n: any) => n.wireguard.pid);
    // scale out: a fourth node namespace with its wireguard-go; every node now has three peers
    const scaled = await must(`nodepool scale -g ${RG} --cluster-name live -n nodepool1 -c 4 -o none`);
    expect(scaled.stderr).toContain('cilium_wg0 up (3 peers)');
    let st = (await must(`lab status -g ${RG} -n live -o json`)).json();
    expect(st.upToDate).toBe(true);
    expect(st.nodes).toHaveLength(4);
    expect(st.nodes.every((n: any) => n.present && n.wireguardGo.alive && n.peers === 3)).toBe(true);
    // the running wireguard-go processes were reconfigured, not restarted
    expect(st.nodes.slice(0, 3).map((n: any) => n.wireguardGo.pid)).toEqual(pidsBefore);
    // reimage: a new key set on the node's device, peers switch to it
    const node1 = up.nodes[1].name;
    const re = await must(`node reimage -g ${RG} -n live ${node1} -o none`);
    expect(re.stderr).toContain(`node ${node1}: cilium_wg0 reconfigured (3 peers, new key)`);
    const keys = (await must(`node list -g ${RG} -n live -o json`)).json();
    const newKey = keys.find((k: any) => k.name === node1).publicKey;
    const show = await must(`lab exec -g ${RG} -n live node/${node1} -- wg show cilium_wg0 public-key`);
    expect(show.stdout.trim()).toBe(newKey);
    let cc = await s.run(`traffic inspect -g ${RG} -n live --cross-check --all-pairs --sample 40 -o json`);
    expect(cc.stderr).toMatch(/agree (\d+)\/\1\n/);
    expect(cc.code).toBe(0);
    // kubectl delete: the web pods' namespaces go
    const before = netnsList().filter((n) => n.startsWith(`${prefix}-pod-default.web-`)).length;
    expect(before).toBe(6);
    await must('kubectl delete deployment web');
    expect(netnsList().filter((n) => n.startsWith(`${prefix}-pod-default.web-`))).toEqual([]);
    // scale in: the fourth node's namespace and wireguard-go go
    await must(`nodepool scale -g ${RG} --cluster-name live -n nodepool1 -c 3 -o none`);
    st = (await must(`lab status -g ${RG} -n live -o json`)).json();
    expect(st.nodes).toHaveLength(3);
    expect(st.nodes.every((n: any) => n.peers === 2)).toBe(true);
    // WireGuard off, then a rolling enable the lab follows node by node as the clock moves
    await must(`cluster update -g ${RG} -n live --disable-wireguard -o none`);
    await must(`cluster update -g ${RG} -n live --enable-wireguard --no-wait -o none`);
    const adv = await must(`clock advance -g ${RG} -n live 10s`);
    expect(adv.stderr).toMatch(/cilium_wg0 up \(0 peers\)/);
    await must(`clock advance -g ${RG} -n live 10s`);
    st = (await must(`lab status -g ${RG} -n live -o json`)).json();
    expect(st.nodes.filter((n: any) => n.wireguardGo !== null)).toHaveLength(2);
    cc = await s.run(`traffic inspect -g ${RG} -n live --cross-check --all-pairs --sample 40 -o json`);
    expect(cc.stderr).toMatch(/agree (\d+)\/\1\n/);
    expect(cc.code).toBe(0);
    const rows: Row[] = cc.json().flows;
    // pod pairs between the two restarted nodes are encrypted, pairs touching the third are not
    expect(rows.some((r) => r.path === 'inter-node' && r.lab!.encrypted)).toBe(true);
    expect(rows.some((r) => r.path === 'inter-node' && !r.lab!.encrypted)).toBe(true);
  }, 240_000);

  test('rolling enable with strict mode and a rogue machine: every pair agrees, strict drops and the rogue is dropped', async () => {
    await create('roll', '--network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns');
    await must(`cluster update -g ${RG} -n roll --enable-wireguard --no-wait -o none`);
    await must(`clock advance -g ${RG} -n roll 15s`);
    await must(`cluster update -g ${RG} -n roll --encryption-strict-egress-cidr 10.244.0.0/16 -o none`);
    await must(`node add-rogue -g ${RG} -n roll -o none`);
    const up = (await must(`lab up -g ${RG} -n roll -o json`)).json();
    expect(up.nodes.filter((n: any) => n.wireguard !== null)).toHaveLength(1);
    expect(up.nodes.filter((n: any) => n.strictEgressCidr === '10.244.0.0/16')).toHaveLength(1);
    const cc = await s.run(`traffic inspect -g ${RG} -n roll --cross-check --all-pairs --sample 60 -o json`);
    expect(cc.stderr).toMatch(/agree (\d+)\/\1\n/);
    expect(cc.code).toBe(0);
    const rows: Row[] = cc.json().flows;
    const strict = rows.filter((r) => r.lab!.dropReason === 'UNENCRYPTED_TRAFFIC');
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.every((r) => r.simulated!.verdict === 'DROPPED')).toBe(true);
    // the rogue machine to a pod on the WireGuard node: dropped in both; to a pod elsewhere: plaintext in both
    const wgNode = up.nodes.find((n: any) => n.wireguard !== null).name;
    const pods = await podIps();
    const onWg = [...pods].find(([, n]) => n === wgNode)![0];
    const offWg = [...pods].find(([, n]) => n !== wgNode)![0];
    fs.writeFileSync(path.join(dir, 'rogue.yaml'), `- {from: node/rogue-vm, to: ${onWg}, protocol: TCP, port: 8080}\n- {from: node/rogue-vm, to: ${offWg}, protocol: ICMP}\n`);
    const rg = await s.run(`traffic inspect -g ${RG} -n roll --cross-check --flows rogue.yaml -o json`);
    expect(rg.code).toBe(0);
    const rr: Row[] = rg.json().flows;
    expect(rr.map((r) => [r.lab!.verdict, r.simulated!.verdict])).toEqual([
      ['DROPPED', 'DROPPED'],
      ['FORWARDED', 'FORWARDED'],
    ]);
  }, 240_000);

  test("lab down never stops another lab's wireguard-go, even when a recorded pid now names it (pids wrap)", async () => {
    await create('pa', '--enable-wireguard');
    await create('pb', '--enable-wireguard');
    await must(`lab up -g ${RG} -n pa -o none`);
    const other = (await must(`lab up -g ${RG} -n pb -o json`)).json().nodes[0];
    const pid = other.wireguard.pid as number;
    // lab pa's journal names the pid as if its own wireguard-go had once had it: same program, same command line
    const journal = path.join(home, 'lab', labPrefix(RG, 'pa'), 'journal.jsonl');
    const node = JSON.parse(fs.readFileSync(journal, 'utf8').split('\n').find((l) => l.includes('"kind":"process"'))!).node;
    fs.appendFileSync(journal, `${JSON.stringify({ kind: 'process', pid, ns: 'gone', program: 'wireguard-go', node })}\n`);
    await must(`lab down -g ${RG} -n pa`);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('wireguard-go');
    expect((await must(`lab status -g ${RG} -n pb -o json`)).json().upToDate).toBe(true);
    await must(`lab down -g ${RG} -n pb`);
    expect(fs.existsSync(`/proc/${pid}`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('wireguard-go')).toBe(false);
  });

  test('lab down removes every namespace, process and file, also after kill -9 of lab up half-way', async () => {
    const prefix = labPrefix(RG, 'roll');
    const labDir = path.join(home, 'lab', prefix);
    const journal = path.join(labDir, 'journal.jsonl');
    await must(`lab down -g ${RG} -n roll`);
    expect(fs.existsSync(labDir)).toBe(false);
    // lab up in its own process, killed once it has created a few namespaces
    const bin = path.join(process.cwd(), 'bin', 'aks-wg');
    let killedHalfWay = false;
    for (let attempt = 0; attempt < 5 && !killedHalfWay; attempt++) {
      const child = spawn(process.execPath, [bin, 'lab', 'up', '-g', RG, '-n', 'roll', '-o', 'none'], { env: { ...process.env, AKS_WG_HOME: home }, stdio: 'ignore' });
      for (let i = 0; i < 2000; i++) {
        const lines = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0;
        if (lines >= 4) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      killedHalfWay = !fs.existsSync(path.join(labDir, 'lab.json')) && fs.existsSync(journal);
      if (!killedHalfWay) await must(`lab down -g ${RG} -n roll`);
    }
    expect(killedHalfWay).toBe(true);
    const made = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const madeNs = made.filter((e) => e.kind === 'netns').map((e) => e.name);
    expect(madeNs.length).toBeGreaterThan(0);
    expect(netnsList().filter((n) => madeNs.includes(n)).length).toBeGreaterThan(0);
    // status of a half-built lab says so
    const st = await s.run(`lab status -g ${RG} -n roll`);
    expect(st.code).toBe(1);
    expect(st.stderr).toContain('half-built');
    // lab up on the half-built lab cleans it first and finishes
    const up = (await must(`lab up -g ${RG} -n roll -o json`)).json();
    const pids: number[] = up.nodes.filter((n: any) => n.wireguard).map((n: any) => n.wireguard.pid);
    const all = [up.vnet.namespace, ...up.nodes.map((n: any) => n.namespace)];
    const down = await must(`lab down -g ${RG} -n roll -o json`);
    expect(down.json().removed.namespaces.length).toBeGreaterThanOrEqual(all.length);
    const left = netnsList();
    expect(left.filter((n) => n.startsWith(`${prefix}-`))).toEqual([]);
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('wireguard-go')).toBe(false);
    expect(fs.existsSync(labDir)).toBe(false);
    // idempotent
    const again = await must(`lab down -g ${RG} -n roll -o json`);
    expect(again.json()).toEqual({ removed: { namespaces: [], processes: [] } });
  }, 240_000);
});
