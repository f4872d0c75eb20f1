// The traffic table (reference: cilium.md) on a 3-node cluster, proved from the bytes of the capture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempDirs } from '../helpers/tmp.js';
import { makeCluster, plaintextBetween, readCapture, type Cluster } from './helpers.js';

afterAll(removeTempDirs);

interface F {
  source: { kind: string; name: string | null; namespace: string | null; node: string | null; ip: string; hostNetwork: boolean };
  destination: F['source'];
  service: string | null;
  protocol: string;
  port: number | null;
  path: string;
  encrypted: boolean;
  interface: string;
  verdict: string;
  dropReason: string | null;
  wireguard: { peer: string; session: number; sessionAgeSeconds: number } | null;
  reason: string;
}

async function inspect(c: Cluster, args: string, capture = 'cap.pcap') {
  const r = await c.run(`traffic inspect -g rg -n c ${args} --capture ${capture} -o json`);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = r.json<{ flows: F[]; summary: any }>();
  return { ...report, packets: readCapture(path.join(c.dir, capture)) };
}

describe('traffic table with WireGuard on (assert mode)', () => {
  let c: Cluster;
  let flows: F[];
  let packets: ReturnType<typeof readCapture>;
  let summary: any;
  beforeAll(async () => {
    c = await makeCluster('wireguard');
    ({ flows, packets, summary } = await inspect(c, ''));
  });

  test('the default set covers every path class, hostNetwork pods, a ClusterIP service, node IPs and outside', () => {
    expect(new Set(flows.map((f) => f.path))).toEqual(new Set(['inter-node', 'same-node', 'node-originated', 'to-node', 'external']));
    expect(flows.some((f) => f.service === 'default/web' && f.path === 'inter-node')).toBe(true);
    expect(flows.some((f) => f.source.hostNetwork && f.source.kind === 'pod')).toBe(true);
    expect(flows.some((f) => f.destination.hostNetwork && f.destination.kind === 'pod')).toBe(true);
    expect(flows.some((f) => f.destination.kind === 'node')).toBe(true);
    expect(flows.some((f) => f.source.kind === 'node')).toBe(true);
    expect(flows.some((f) => f.destination.kind === 'external')).toBe(true);
    expect(summary.total).toBe(flows.length);
    expect(Object.values(summary.byPath).reduce((a: number, b: any) => a + b, 0)).toBe(flows.length);
  });

  test('pod → pod on another node (directly and via a service) is encrypted, and no plaintext copy is on eth0', () => {
    const inter = flows.filter((f) => f.path === 'inter-node');
    expect(inter.length).toBeGreaterThanOrEqual(3);
    for (const f of inter) {
      expect(f).toMatchObject({ encrypted: true, interface: 'cilium_wg0', verdict: 'FORWARDED', dropReason: null });
      expect(f.wireguard!.peer).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      // Cilium's assert mode: zero plaintext packets src client and dst server
      expect(plaintextBetween(packets, f.source.ip, f.destination.ip)).toEqual([]);
      // the session the report names is a receiver index of a transport message on the wire
      expect(packets.some((p) => p.wgType === 4 && p.receiver === f.wireguard!.session)).toBe(true);
    }
    expect(summary.unencryptedInterNodePod).toBe(0);
    expect(summary.encrypted).toBe(inter.length);
  });

  test('WireGuard leaves eth0 as UDP 51871 → 51871 between node IPs, with valid checksums', () => {
    const wg = packets.filter((p) => p.wgType !== 0);
    expect(wg.length).toBeGreaterThan(0);
    for (const p of wg) {
      expect(p.srcPort).toBe(51871);
      expect(p.dstPort).toBe(51871);
      expect(p.src).toMatch(/^10\.224\./);
      expect(p.dst).toMatch(/^10\.224\./);
    }
    expect(packets.every((p) => p.checksumsOk)).toBe(true);
  });

  test('node and hostNetwork sources, pod → node IP and pod → outside cross eth0 in plaintext', () => {
    for (const f of flows.filter((x) => ['node-originated', 'to-node', 'external'].includes(x.path))) {
      expect(f).toMatchObject({ encrypted: false, interface: 'eth0', verdict: 'FORWARDED', wireguard: null });
      expect(plaintextBetween(packets, f.source.ip, f.destination.ip).length).toBeGreaterThanOrEqual(1);
    }
    expect(flows.find((f) => f.path === 'node-originated')!.reason).toMatch(/node encryption/);
    expect(flows.find((f) => f.path === 'external')!.reason).toMatch(/outside the cluster/);
  });

  test('a same-node flow never appears on eth0', () => {
    const same = flows.filter((f) => f.path === 'same-node');
    expect(same.length).toBeGreaterThanOrEqual(1);
    for (const f of same) {
      expect(f).toMatchObject({ encrypted: false, interface: 'lxc', verdict: 'FORWARDED' });
      expect(packets.filter((p) => (p.src === f.source.ip && p.dst === f.destination.ip) || (p.src === f.destination.ip && p.dst === f.source.ip))).toEqual([]);
    }
  });

  test('--fail-on-unencrypted passes when every inter-node pod flow was encrypted', async () => {
    const r = await c.run('traffic inspect -g rg -n c --fail-on-unencrypted -o none');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('one flow by selectors: pod → svc, pod → node IP, ICMP and UDP', async () => {
    const pods = await c.pods();
    const web = pods.filter((p) => p.name.startsWith('web-'));
    const a = web[0]!;
    const other = web.find((p) => p.node !== a.node)!;
    let r = await c.run(`traffic inspect -g rg -n c --from default/${a.name} --to svc/default/web -o json`);
    expect(r.code).toBe(0);
    let f = r.json().flows[0] as F;
    expect(f.service).toBe('default/web');
    expect(f.destination.name).toMatch(/^web-/);
    expect(f.port).toBe(8080);
    expect(f.encrypted).toBe(f.destination.node !== a.node);
    r = await c.run(`traffic inspect -g rg -n c --from pod/default/${a.name} --to ${other.ip} --protocol ICMP -o json`);
    f = r.json().flows[0];
    expect(f).toMatchObject({ protocol: 'ICMP', port: null, encrypted: true, path: 'inter-node' });
    r = await c.run(`traffic inspect -g rg -n c --from default/${a.name} --to default/${other.name} --protocol UDP --port 9000 -o json`);
    f = r.json().flows[0];
    expect(f).toMatchObject({ protocol: 'UDP', port: 9000, encrypted: true });
    r = await c.run(`traffic inspect -g rg -n c --from default/${a.name} --to node/${other.node} -o json`);
    f = r.json().flows[0];
    expect(f).toMatchObject({ path: 'to-node', encrypted: false, port: 10250 });
  });

  test('the table is the default output; tsv, yaml and --query work', async () => {
    let r = await c.run('traffic inspect -g rg -n c');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Source\s+Destination\s+Protocol\s+Port\s+Path\s+Encrypted\s+Verdict$/);
    expect(lines.length).toBe(flows.length + 4); // header, dashes, a row per flow, a blank line, the summary
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${flows.length} flows: `));
    r = await c.run('traffic inspect -g rg -n c -o wide');
    expect(r.stdout.split('\n')[0]).toMatch(/^Source\s+Destination\s+Protocol\s+Port\s+Path\s+Encrypted\s+Interface\s+Verdict\s+Session\s+Reason$/);
    r = await c.run('traffic inspect -g rg -n c --query summary.unencryptedInterNodePod -o tsv');
    expect(r.stdout).toBe('0\n');
    r = await c.run('traffic inspect -g rg -n c -o yaml');
    expect(r.stdout).toMatch(/^flows:\n- destination:/);
    r = await c.run('traffic inspect -g rg -n c -o none');
    expect(r.stdout).toBe('');
  });

  test('--all-pairs runs every ordered pod pair; --sample takes a deterministic subset', async () => {
    const pods = await c.pods();
    let r = await c.run('traffic inspect -g rg -n c --all-pairs -o json --query summary');
    const s = r.json();
    expect(s.total).toBe(pods.length * (pods.length - 1));
    expect(s.unencryptedInterNodePod).toBe(0);
    r = await c.run('traffic inspect -g rg -n c --all-pairs --sample 7 -o json');
    const a = r.json().flows.map((f: F) => `${f.source.ip}>${f.destination.ip}`);
    r = await c.run('traffic inspect -g rg -n c --all-pairs --sample 7 -o json');
    expect(r.json().flows.map((f: F) => `${f.source.ip}>${f.destination.ip}`)).toEqual(a);
    expect(a).toHaveLength(7);
  });

  test('--flows FILE (YAML) runs each listed flow', async () => {
    const pods = (await c.pods()).filter((p) => p.name.startsWith('web-'));
    fs.writeFileSync(
      path.join(c.dir, 'flows.yaml'),
      `- {from: default/${pods[0]!.name}, to: svc/default/web, protocol: TCP, port: 80}\n- {from: ${pods[1]!.ip}, to: 1.1.1.1, protocol: udp, port: 53}\n- from: node/${pods[2]!.node}\n  to: default/${pods[3]!.name}\n  protocol: ICMP\n`,
    );
    const r = await c.run('traffic inspect -g rg -n c --flows flows.yaml -o json');
    expect(r.code).toBe(0);
    const got = r.json().flows as F[];
    // an entry to a service is one flow per backend, never the source itself (issue 12 item 7)
    const toSvc = got.filter((f) => f.service === 'default/web');
    expect(toSvc.map((f) => f.destination.name).sort()).toEqual(pods.slice(1).map((p) => p.name).sort());
    expect(toSvc.map((f) => [f.protocol, f.path])).toEqual(toSvc.map((f) => ['TCP', f.destination.node === pods[0]!.node ? 'same-node' : 'inter-node']));
    expect(got.slice(toSvc.length).map((f) => [f.service, f.protocol, f.path])).toEqual([
      [null, 'UDP', 'external'],
      [null, 'ICMP', 'node-originated'],
    ]);
  });
});

describe('traffic table with WireGuard off (sanity mode)', () => {
  test.each(['cilium-only', 'azure'] as const)('%s: nothing is encrypted, plaintext pod packets cross eth0, the reason says why', async (mode) => {
    const c = await makeCluster(mode);
    const { flows, packets, summary } = await inspect(c, '');
    const inter = flows.filter((f) => f.path === 'inter-node');
    expect(inter.length).toBeGreaterThanOrEqual(3);
    expect(flows.every((f) => !f.encrypted && f.wireguard === null)).toBe(true);
    expect(packets.filter((p) => p.wgType !== 0)).toEqual([]);
    for (const f of inter) {
      expect(f.interface).toBe('eth0');
      // sanity mode: at least one plaintext packet src client and dst server
      expect(plaintextBetween(packets, f.source.ip, f.destination.ip).length).toBeGreaterThanOrEqual(1);
      expect(f.reason).toMatch(mode === 'azure' ? /no Cilium dataplane/ : /transit encryption is off/);
    }
    for (const f of flows.filter((x) => x.path === 'node-originated')) expect(plaintextBetween(packets, f.source.ip, f.destination.ip).length).toBeGreaterThanOrEqual(1);
    for (const f of flows.filter((x) => x.path === 'same-node')) expect(packets.filter((p) => p.src === f.source.ip && p.dst === f.destination.ip)).toEqual([]);
    expect(summary.unencryptedInterNodePod).toBe(inter.length);
    const gate = await c.run('traffic inspect -g rg -n c --fail-on-unencrypted -o none');
    expect(gate.code).toBe(1);
    expect(gate.stderr).toBe(`ERROR: ${inter.length} inter-node pod-to-pod flows were not encrypted (--fail-on-unencrypted)\n`);
  });
});

describe('reproducibility', () => {
  test('the same seed gives the same capture bytes and report', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const c = await makeCluster('wireguard', 'same-seed');
      const r = await c.run('traffic inspect -g rg -n c --capture cap.pcap -o json');
      runs.push({ report: r.stdout, cap: fs.readFileSync(path.join(c.dir, 'cap.pcap')) });
    }
    expect(runs[0]!.cap.length).toBeGreaterThan(24);
    expect(runs[1]!.cap.equals(runs[0]!.cap)).toBe(true);
    expect(runs[1]!.report).toBe(runs[0]!.report);
  });
});
