/**
 * The views the docs verify with, through the CLI: cilium-dbg encrypt status / status / debuginfo, wg show,
 * kubectl get ciliumnode, cluster encryption-status; their exact formats, kubectl's errors, and that no private key
 * ever appears in any output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { session, type RunResult } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { openStore } from '../../src/repo/cluster.js';
import { loadSnapshot } from '../../src/repo/snapshot.js';
import { nodeKeyKey } from '../../src/repo/cilium-doc.js';
import { renderClusterEncryptionStatus, renderEncryptStatus, tabwrite } from '../../src/cilium/views.js';
import { clampPrivateKey, encodeKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';

afterEach(removeTempDirs);

/** A session that records every command's output, to check for leaked keys at the end. */
function recorded() {
  const s = session();
  const outputs: RunResult[] = [];
  const run = async (argv: string | readonly string[]) => {
    const r = await s.run(argv);
    outputs.push(r);
    return r;
  };
  return { env: s.env, run, outputs };
}
type Rec = ReturnType<typeof recorded>;

async function wgCluster(): Promise<Rec> {
  const s = recorded();
  expect((await s.run('cluster create -g RG -n C --enable-wireguard')).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
  return s;
}

const snap = (s: Rec) => loadSnapshot(openStore(s.env), 'RG', 'C');
const keyFile = (s: Rec, node: string) => fs.readFileSync(openStore(s.env).pathOf(nodeKeyKey('RG', 'C', node)));
const pubOf = (s: Rec, node: string) => encodeKey(publicKeyFromPrivate(clampPrivateKey(keyFile(s, node))));
const ciliumPod = (s: Rec, node: string) => snap(s).workloads.pods.find((p) => p.owner?.name === 'cilium' && p.node === node)!.name;

/** No output holds any key file's bytes, as base64 (raw or clamped) or hex. */
function expectNoPrivateKeys(s: Rec, extraNodes: string[] = []): void {
  const nodes = [...snap(s).cluster.nodes.map((n) => n.name), ...extraNodes];
  const secrets: string[] = [];
  for (const n of nodes) {
    let raw: Buffer;
    try {
      raw = keyFile(s, n);
    } catch {
      continue;
    }
    const clamped = Buffer.from(clampPrivateKey(raw));
    for (const b of [raw, clamped]) secrets.push(b.toString('base64'), b.toString('hex'), b.toString('hex').toUpperCase(), b.toString('base64').slice(0, 43));
  }
  expect(secrets.length).toBeGreaterThan(0);
  const all = s.outputs.map((o) => o.stdout + o.stderr).join('\n');
  for (const secret of secrets) expect(all.includes(secret)).toBe(false);
}

describe('cilium-dbg encrypt status', () => {
  test('exact format on every node (ds/cilium and by pod name): mode padded to 26, key, peers = nodes − 1', async () => {
    const s = await wgCluster();
    const nodes = snap(s).cluster.nodes;
    const first = await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`Encryption: Wireguard                 \nInterface: cilium_wg0\n\tPublic key: ${pubOf(s, nodes[0]!.name)}\n\tNumber of peers: 2\n`);
    for (const n of nodes) {
      const r = await s.run(['kubectl', 'exec', '-n', 'kube-system', ciliumPod(s, n.name), '-c', 'cilium-agent', '--', 'cilium-dbg', 'encrypt', 'status']);
      expect(r.stdout).toContain(`\tPublic key: ${pubOf(s, n.name)}\n\tNumber of peers: 2\n`);
    }
    expect((await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 2')).code).toBe(0);
    expect((await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status')).stdout).toContain('\tNumber of peers: 4\n');
    expectNoPrivateKeys(s);
  });

  test('Disabled when the cluster has no WireGuard, and during a rollout on a node not yet restarted', async () => {
    expect(renderEncryptStatus(null)).toBe('Encryption: Disabled                  \n');
    const s = recorded();
    await s.run('cluster create -g RG -n C --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns');
    await s.run('cluster get-credentials -g RG -n C');
    const off = await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status');
    expect([off.code, off.stdout]).toEqual([0, 'Encryption: Disabled                  \n']);
    await s.run('cluster update -g RG -n C --enable-wireguard --no-wait');
    const nodes = snap(s).cluster.nodes.map((n) => n.name);
    await s.run('clock advance 10s');
    const onFirst = await s.run(['kubectl', 'exec', '-n', 'kube-system', ciliumPod(s, nodes[0]!), '--', 'cilium-dbg', 'encrypt', 'status']);
    expect(onFirst.stdout).toBe(`Encryption: Wireguard                 \nInterface: cilium_wg0\n\tPublic key: ${pubOf(s, nodes[0]!)}\n\tNumber of peers: 0\n`);
    const onLast = await s.run(['kubectl', 'exec', '-n', 'kube-system', ciliumPod(s, nodes[2]!), '--', 'cilium-dbg', 'encrypt', 'status']);
    expect(onLast.stdout).toBe('Encryption: Disabled                  \n');
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Disabled (2/3 nodes)\nEncryption: Wireguard (1/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    await s.run('clock advance 20s');
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Wireguard (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    expectNoPrivateKeys(s);
  });
});

describe('cilium-dbg status, debuginfo, wg show', () => {
  test('status: the Encryption line, tab-aligned', async () => {
    const s = await wgCluster();
    const r = await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg status');
    expect(r.code).toBe(0);
    const pub = pubOf(s, snap(s).cluster.nodes[0]!.name);
    const line = r.stdout.split('\n').find((l) => l.startsWith('Encryption:'))!;
    expect(line).toMatch(new RegExp(`^Encryption: +Wireguard +\\[NodeEncryption: Disabled, cilium_wg0 \\(Pubkey: ${pub.replace(/[+/]/g, '\\$&')}, Port: 51871, Peers: 2\\)\\]$`));
    // Every first column is aligned to the same width (Go's tabwriter, padding 3).
    const starts = r.stdout.split('\n').filter((l) => /^[A-Z][^:]*:\s/.test(l)).map((l) => l.search(/(?<=:\s+)\S/));
    expect(new Set(starts).size).toBe(1);
    expect(r.stdout).toMatch(/^Cluster health: +3\/3 reachable/m);
    expectNoPrivateKeys(s);
  });

  test('tabwriter matches Go: columns per block of lines, last cell unaligned', () => {
    expect(tabwrite('a:\tOk\tx\nlong label:\tWireguard\ty\nz:\tlast')).toBe('a:            Ok          x\nlong label:   Wireguard   y\nz:            last');
    expect(tabwrite('Encryption:\tDisabled')).toBe('Encryption:   Disabled');
  });

  test('debuginfo --output json: .encryption in Cilium’s shape', async () => {
    const s = await wgCluster();
    const r = await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg debuginfo --output json');
    expect(r.code).toBe(0);
    const enc = r.json().encryption;
    const sn = snap(s);
    const [a, b, c] = sn.cluster.nodes;
    expect(enc.wireguard['node-encryption']).toBe('Disabled');
    const iface = enc.wireguard.interfaces[0];
    expect(iface).toMatchObject({ 'listen-port': 51871, name: 'cilium_wg0', 'peer-count': 2, 'public-key': pubOf(s, a!.name) });
    expect(iface.peers.map((p: Record<string, unknown>) => [p['public-key'], p['endpoint']])).toEqual([
      [pubOf(s, b!.name), `${b!.ip}:51871`],
      [pubOf(s, c!.name), `${c!.ip}:51871`],
    ]);
    expect(Object.keys(iface.peers[0]).sort()).toEqual(['allowed-ips', 'endpoint', 'last-handshake-time', 'public-key', 'transfer-rx', 'transfer-tx']);
    expect(iface.peers[0]['allowed-ips'][0]).toBe(`${b!.ip}/32`);
    expectNoPrivateKeys(s);
  });

  test('wg show cilium_wg0: wg(8)’s format, private key (hidden), peers with endpoint and allowed ips', async () => {
    const s = await wgCluster();
    const r = await s.run('kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0');
    expect(r.code).toBe(0);
    const sn = snap(s);
    const config = sn.configs().get(sn.cluster.nodes[0]!.name)!;
    const expected = [
      'interface: cilium_wg0',
      `  public key: ${config.publicKey}`,
      '  private key: (hidden)',
      '  listening port: 51871',
      ...config.peers.flatMap((p) => ['', `peer: ${p.publicKey}`, `  endpoint: ${p.endpoint.address}:51871`, `  allowed ips: ${p.allowedIps.join(', ')}`]),
    ].join('\n');
    expect(r.stdout).toBe(`${expected}\n`);
    expect((await s.run('kubectl exec -n kube-system ds/cilium -- wg show')).stdout).toBe(r.stdout);
    expect((await s.run('kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0 public-key')).stdout).toBe(`${config.publicKey}\n`);
    expect((await s.run('kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0 peers')).stdout).toBe(config.peers.map((p) => `${p.publicKey}\n`).join(''));
    for (const argv of ['wg showconf cilium_wg0', 'wg show cilium_wg0 private-key', 'cat /var/run/cilium/state/cilium_wg0.key']) {
      const refused = await s.run(`kubectl exec -n kube-system ds/cilium -- ${argv}`);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^aks-wg never shows private keys/);
    }
    expectNoPrivateKeys(s);
  });
});

describe('counters from the fabric', () => {
  test('after traffic inspect, wg show and debuginfo carry the saved sessions’ transfer and latest handshake', async () => {
    const s = await wgCluster();
    const inspect = await s.run('traffic inspect -g RG -n C -o none');
    expect(inspect.code).toBe(0);
    await s.run('clock advance 65s');
    // The default flows run pod to pod between the nodes that host two pods of a Deployment.
    const pattern = /\n {2}latest handshake: 1 minute, \d+ seconds? ago\n {2}transfer: \d+(\.\d+ KiB| B) received, \d+(\.\d+ KiB| B) sent\n/;
    let withCounters = 0;
    for (const n of snap(s).cluster.nodes) {
      const pod = ciliumPod(s, n.name);
      const wg = await s.run(`kubectl exec -n kube-system ${pod} -- wg show cilium_wg0`);
      expect(wg.code).toBe(0);
      if (!pattern.test(wg.stdout)) continue;
      withCounters++;
      const info = (await s.run(`kubectl exec -n kube-system ${pod} -- cilium-dbg debuginfo --output json`)).json();
      const peers = info.encryption.wireguard.interfaces[0].peers as Record<string, unknown>[];
      expect(peers.some((p) => (p['transfer-tx'] as number) > 0 && p['last-handshake-time'] !== '0001-01-01T00:00:00.000Z')).toBe(true);
    }
    expect(withCounters).toBeGreaterThanOrEqual(2);
    expectNoPrivateKeys(s);
  });
});

describe('AllowedIPs follow kubectl apply', () => {
  test('a Deployment’s pods appear in the peers of the nodes they run on, and leave with kubectl delete', async () => {
    const s = await wgCluster();
    const dir = makeTempDir();
    const file = path.join(dir, 'web.yaml');
    fs.writeFileSync(
      file,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n',
    );
    expect((await s.run(`kubectl apply -f ${file}`)).code).toBe(0);
    const sn = snap(s);
    const web = sn.workloads.pods.filter((p) => p.labels['app'] === 'web');
    expect(web).toHaveLength(3);
    const configs = sn.configs();
    for (const pod of web) {
      for (const [node, c] of configs) {
        if (node === pod.node) continue;
        expect(c!.peers.find((p) => p.node === pod.node)!.allowedIps).toContain(`${pod.ip}/32`);
      }
    }
    const shown = await s.run('kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0 allowed-ips');
    const other = web.find((p) => p.node !== sn.cluster.nodes[0]!.name)!;
    expect(shown.stdout).toContain(`${other.ip}/32`);
    expect((await s.run(`kubectl delete -f ${file}`)).code).toBe(0);
    for (const c of snap(s).configs().values()) for (const p of c!.peers) for (const pod of web) expect(p.allowedIps).not.toContain(`${pod.ip}/32`);
  });
});

describe('CiliumNode and the cluster-wide status', () => {
  test('kubectl get ciliumnode NAME -o yaml shows the annotation and spec.encryption.key 255', async () => {
    const s = await wgCluster();
    const node = snap(s).cluster.nodes[1]!.name;
    const r = await s.run(`kubectl get ciliumnode ${node} -o yaml`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`    network.cilium.io/wg-pub-key: ${pubOf(s, node)}\n`);
    expect(r.stdout).toMatch(/\n {2}encryption:\n {4}key: 255\n/);
    await s.run(`node reimage ${node}`);
    expect((await s.run(`kubectl get ciliumnode ${node} -o yaml`)).stdout).toContain(`    network.cilium.io/wg-pub-key: ${pubOf(s, node)}\n`);
    expectNoPrivateKeys(s);
  });

  test('encryption-status counts; the rogue machine is mentioned there and in node list, never in kubectl get nodes', async () => {
    expect(renderClusterEncryptionStatus({ wireguard: 3, total: 3 })).toBe('Encryption: Wireguard (3/3 nodes)\n');
    expect(renderClusterEncryptionStatus({ wireguard: 0, total: 3 })).toBe('Encryption: Disabled (3/3 nodes)\n');
    const s = await wgCluster();
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Wireguard (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    const rogue = await s.run('node add-rogue --rogue-name intruder');
    expect(rogue.code).toBe(0);
    const status = await s.run('cluster encryption-status -g RG -n C');
    expect(status.stdout).toBe('Encryption: Wireguard (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    expect(status.stderr).toContain('WARNING: machine intruder (10.224.255.254) holds a WireGuard key that no CiliumNode lists');
    expect((await s.run('kubectl get nodes')).stdout).not.toContain('intruder');
    expect((await s.run('kubectl get ciliumnodes')).stdout).not.toContain('intruder');
    expect((await s.run('node list -o table')).stdout).toMatch(/intruder +rogue +10\.224\.255\.254 +Wireguard/);
    expectNoPrivateKeys(s, ['intruder']);
  });
});

describe('kubectl exec errors', () => {
  test('unknown pods, other namespaces, other pods, unknown commands', async () => {
    const s = await wgCluster();
    const cases: [string, number, string][] = [
      ['kubectl exec -n kube-system nope -- cilium-dbg encrypt status', 1, 'Error from server (NotFound): pods "nope" not found\n'],
      [`kubectl exec ${ciliumPod(s, snap(s).cluster.nodes[0]!.name)} -- cilium-dbg encrypt status`, 1, `Error from server (NotFound): pods "${ciliumPod(s, snap(s).cluster.nodes[0]!.name)}" not found\n`],
      ['kubectl exec -n kube-system ds/nope -- cilium-dbg status', 1, 'Error from server (NotFound): daemonsets.apps "nope" not found\n'],
      ['kubectl exec -n kube-system ds/cilium', 1, 'error: you must specify at least one command for the container\n'],
    ];
    for (const [argv, code, stderr] of cases) {
      const r = await s.run(argv);
      expect([argv, r.code, r.stdout, r.stderr]).toEqual([argv, code, '', stderr]);
    }
    const coredns = snap(s).workloads.pods.find((p) => p.name.startsWith('coredns-'))!.name;
    const other = await s.run(`kubectl exec -n kube-system ${coredns} -- cilium-dbg encrypt status`);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error: Internal error occurred: error executing command in container: exec: "cilium-dbg": executable file not found in \$PATH/);
    const unknown = await s.run('kubectl exec -n kube-system ds/cilium -- cilium-dbg bpf tunnel list');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("'cilium-dbg bpf tunnel list' is not simulated in the Cilium agent pod; aks-wg simulates: cilium-dbg encrypt status");
    expect((await s.run('kubectl exec -n kube-system ds/cilium -- wg show wg9')).stderr).toBe(
      'Unable to access interface: No such device\ncommand terminated with exit code 1\n',
    );
  });
});
