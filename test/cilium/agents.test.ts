/** The simulated Cilium agents end to end: key files, CiliumNode keys, peers, nodepool changes, reimage, rollouts. */
import * as fs from 'node:fs';
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { openStore } from '../../src/repo/cluster.js';
import { loadSnapshot } from '../../src/repo/snapshot.js';
import { ciliumDocKey, legacyNodeKeyKey, nodeKeyKey } from '../../src/repo/cilium-doc.js';
import { agentStatesFor } from '../../src/repo/cilium-states.js';
import {
  wireguardConfigs,
  WG_MTU,
  WG_PORT,
  WG_PUBKEY_ANNOTATION,
  type CiliumDoc,
} from '../../src/cilium/agents.js';
import { ciliumNodeObject } from '../../src/cilium/ciliumnode.js';
import { clampPrivateKey, encodeKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';

afterEach(removeTempDirs);

type Session = ReturnType<typeof session>;

async function wgCluster(extra = ''): Promise<Session> {
  const s = session();
  const r = await s.run(`cluster create -g RG -n C --enable-wireguard ${extra}`);
  expect(r.code).toBe(0);
  return s;
}

/** A Cilium cluster with ACNS on but transit encryption None: agents run, without WireGuard. */
async function plainCiliumCluster(): Promise<Session> {
  const s = session();
  const r = await s.run('cluster create -g RG -n C --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns');
  expect(r.code).toBe(0);
  return s;
}

const snap = (s: Session) => loadSnapshot(openStore(s.env), 'RG', 'C');
const keyPath = (s: Session, node: string) => openStore(s.env).pathOf(nodeKeyKey('RG', 'C', node));
const pubOfFile = (s: Session, node: string) => encodeKey(publicKeyFromPrivate(clampPrivateKey(fs.readFileSync(keyPath(s, node)))));

describe('agent keys', () => {
  test('each node has a 32-byte key file, mode 0600, stable across commands; the annotation is its public key', async () => {
    const s = await wgCluster();
    const { cluster } = snap(s);
    const before = new Map<string, Buffer>();
    for (const n of cluster.nodes) {
      const file = keyPath(s, n.name);
      expect(file.endsWith(`/nodes/${n.name}.cilium_wg0.key`)).toBe(true);
      const st = fs.statSync(file);
      expect(st.size).toBe(32);
      expect(st.mode & 0o777).toBe(0o600);
      before.set(n.name, fs.readFileSync(file));
    }
    expect(new Set([...before.values()].map((b) => b.toString('hex'))).size).toBe(3);
    expect((await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 1')).code).toBe(0);
    expect((await s.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16')).code).toBe(0);
    const after = snap(s);
    for (const n of cluster.nodes) {
      expect(fs.readFileSync(keyPath(s, n.name)).equals(before.get(n.name)!)).toBe(true);
      const cn = ciliumNodeObject(n, after.now, agentStatesFor(openStore(s.env), after.cluster).get(n.name)) as any;
      expect(cn.metadata.annotations?.[WG_PUBKEY_ANNOTATION]).toBe(pubOfFile(s, n.name));
      expect(cn.spec.encryption).toEqual({ key: 255 });
      expect(cn.spec.addresses).toEqual([
        { ip: n.ip, type: 'InternalIP' },
        { ip: n.podCidr.replace('.0/24', '.1'), type: 'CiliumInternalIP' },
      ]);
    }
  });

  test('without WireGuard there is no key file and no annotation', async () => {
    const s = await plainCiliumCluster();
    const { cluster, now } = snap(s);
    for (const n of cluster.nodes) {
      expect(fs.existsSync(keyPath(s, n.name))).toBe(false);
      const cn = ciliumNodeObject(n, now, agentStatesFor(openStore(s.env), cluster).get(n.name)) as any;
      expect(cn.metadata.annotations).toBeUndefined();
      expect(cn.spec.encryption).toEqual({});
    }
    expect([...snap(s).configs().values()]).toEqual([null, null, null]);
  });
});

describe('peers', () => {
  test('one per other node: endpoint <InternalIP>:51871, AllowedIPs = node IP + its pod IPs, MTU 1420', async () => {
    const s = await wgCluster();
    const sn = snap(s);
    const configs = sn.configs();
    expect(configs.size).toBe(3);
    for (const n of sn.cluster.nodes) {
      const c = configs.get(n.name)!;
      expect(c).not.toBeNull();
      expect([c.listenPort, c.mtu, WG_MTU]).toEqual([WG_PORT, 1420, 1420]);
      expect(c.publicKey).toBe(pubOfFile(s, n.name));
      expect(Buffer.from(c.privateKey).equals(fs.readFileSync(keyPath(s, n.name)))).toBe(true);
      expect(c.peers.map((p) => p.node)).toEqual(sn.cluster.nodes.filter((m) => m !== n).map((m) => m.name));
      for (const p of c.peers) {
        const m = sn.cluster.nodes.find((x) => x.name === p.node)!;
        expect(p.endpoint).toEqual({ address: m.ip, port: 51871 });
        expect(p.publicKey).toBe(pubOfFile(s, m.name));
        const podIps = sn.workloads.pods.filter((q) => q.node === m.name && !q.hostNetwork && q.ip !== null).map((q) => `${q.ip}/32`);
        expect(p.allowedIps[0]).toBe(`${m.ip}/32`);
        expect([...p.allowedIps.slice(1)].sort()).toEqual([...podIps].sort());
      }
    }
  });

  test('AllowedIPs follow the pods: a new pod on a node appears in every other node’s peer for it', async () => {
    const s = await wgCluster();
    const sn = snap(s);
    const target = sn.cluster.nodes[1]!;
    const base = sn.workloads.pods.find((p) => p.node === target.name && !p.hostNetwork)!;
    const extra = { ...base, name: 'extra', namespace: 'default', ip: target.podCidr.replace('.0/24', '.200'), owner: null };
    const configs = wireguardConfigs({ ...sn, workloads: { ...sn.workloads, pods: [...sn.workloads.pods, extra] } }, sn.now);
    for (const n of sn.cluster.nodes) {
      if (n === target) continue;
      const peer = configs.get(n.name)!.peers.find((p) => p.node === target.name)!;
      expect(peer.allowedIps).toContain(`${extra.ip}/32`);
    }
    // hostNetwork pods never add an address (they use the node IP).
    const host = { ...extra, name: 'host', ip: target.ip, hostNetwork: true };
    const withHost = wireguardConfigs({ ...sn, workloads: { ...sn.workloads, pods: [...sn.workloads.pods, host] } }, sn.now);
    expect(withHost.get(sn.cluster.nodes[0]!.name)!.peers.find((p) => p.node === target.name)!.allowedIps.filter((a) => a === `${target.ip}/32`)).toHaveLength(1);
  });

  test('nodepool add, scale and delete add and remove peers everywhere; a removed node loses its key file', async () => {
    const s = await wgCluster();
    const peerCounts = () => [...snap(s).configs().values()].map((c) => c!.peers.length);
    expect((await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 2')).code).toBe(0);
    expect(peerCounts()).toEqual([4, 4, 4, 4, 4]);
    const pool2 = snap(s).cluster.nodes.filter((n) => n.pool === 'pool2').map((n) => n.name);
    for (const n of pool2) expect(fs.statSync(keyPath(s, n)).size).toBe(32);
    expect((await s.run('nodepool scale -g RG --cluster-name C -n pool2 -c 1')).code).toBe(0);
    expect(peerCounts()).toEqual([3, 3, 3, 3]);
    expect(fs.existsSync(keyPath(s, pool2[1]!))).toBe(false);
    expect((await s.run('nodepool delete -g RG --cluster-name C -n pool2')).code).toBe(0);
    expect(peerCounts()).toEqual([2, 2, 2]);
    expect(fs.existsSync(keyPath(s, pool2[0]!))).toBe(false);
    const names = snap(s).cluster.nodes.map((n) => n.name);
    for (const c of snap(s).configs().values()) for (const p of c!.peers) expect(names).toContain(p.node);
  });

  test('node reimage: a new key file, a new annotation, and every other node’s peer uses the new key', async () => {
    const s = await wgCluster();
    const node = snap(s).cluster.nodes[1]!.name;
    const oldFile = fs.readFileSync(keyPath(s, node));
    const oldPub = pubOfFile(s, node);
    const r = await s.run(`node reimage ${node} -g RG -n C`);
    expect(r.code).toBe(0);
    const newPub = pubOfFile(s, node);
    expect(newPub).not.toBe(oldPub);
    expect(fs.readFileSync(keyPath(s, node)).equals(oldFile)).toBe(false);
    expect(r.json()).toMatchObject({ name: node, wireguard: { publicKey: newPub, keyGeneration: 2 } });
    const sn = snap(s);
    for (const [name, c] of sn.configs()) {
      if (name === node) continue;
      const peer = c!.peers.find((p) => p.node === node)!;
      expect(peer.publicKey).toBe(newPub);
      expect(c!.peers.some((p) => p.publicKey === oldPub)).toBe(false);
    }
    const unknown = await s.run('node reimage aks-nope-1 -g RG -n C');
    expect([unknown.code, unknown.stderr]).toEqual([3, "ERROR: node 'aks-nope-1' not found in cluster RG/C\n"]);
  });

  test('duplicate public keys are refused as Cilium does: no peer for the later node, and the agent reports it', async () => {
    const s = await wgCluster();
    const store = openStore(s.env);
    const sn = snap(s);
    const [a, b, c] = sn.cluster.nodes.map((n) => n.name) as [string, string, string];
    // Node c's key file is a copy of node a's, and its agent published it.
    await store.mutate((tx) => {
      tx.writeBytes(nodeKeyKey('RG', 'C', c), fs.readFileSync(keyPath(s, a)));
      const doc = tx.read<CiliumDoc>(ciliumDocKey('RG', 'C'))!;
      doc.agents[c]!.publicKey = doc.agents[a]!.publicKey;
      tx.write(ciliumDocKey('RG', 'C'), doc);
    });
    const configs = snap(s).configs();
    expect(configs.get(b)!.peers.map((p) => p.node)).toEqual([a]);
    expect(configs.get(a)!.peers.map((p) => p.node)).toEqual([b]);
    const status = await s.run(`kubectl exec --context RG/C -n kube-system ds/cilium -- cilium-dbg status`);
    expect(status.stdout).toContain(`detected duplicate public key. node "${c}" uses same key as existing node "${a}"`);
    expect(status.stdout).toMatch(/Controller Status: +29\/30 healthy/);
  });

  test('a key file gone or empty (a power loss right after its commit): no key until the next change re-keys the agent', async () => {
    const s = await wgCluster();
    const [a, b, c] = snap(s).cluster.nodes.map((n) => n.name) as [string, string, string];
    const oldPub = pubOfFile(s, b);
    fs.writeFileSync(keyPath(s, b), ''); // what writeback lost
    fs.unlinkSync(keyPath(s, c));
    const before = listFiles(s.env.home).map((f) => [f, fs.readFileSync(`${s.env.home}/${f}`, 'hex')]);
    // Read-only commands write nothing: those agents run without WireGuard, their CiliumNodes still carry the keys.
    const configs = snap(s).configs();
    expect(configs.get(b)).toBeNull();
    expect(configs.get(c)).toBeNull();
    expect(configs.get(a)!.peers.map((p) => p.publicKey)).toContain(oldPub);
    expect((await s.run('node list -g RG -n C')).code).toBe(0);
    expect(listFiles(s.env.home).map((f) => [f, fs.readFileSync(`${s.env.home}/${f}`, 'hex')])).toEqual(before);
    // The next change starts them again: each loads no key, generates one and publishes it; the other agents follow.
    const change = await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 1');
    expect(change.code).toBe(0);
    expect(change.stderr).toBe(
      `WARNING: The Cilium agents on ${b}, ${c} found no WireGuard key at /var/run/cilium/state/cilium_wg0.key and generated a new one; their CiliumNodes now publish the new public key and the other nodes' peers follow.\n`,
    );
    // a change with every key file in place says nothing of keys
    expect((await s.run('nodepool scale -g RG --cluster-name C -n pool2 -c 2')).stderr).toBe('');
    const sn = snap(s);
    for (const node of [b, c]) {
      expect(fs.statSync(keyPath(s, node)).size).toBe(32);
      expect(sn.cilium.agents[node]).toMatchObject({ publicKey: pubOfFile(s, node), keyGeneration: 2, generation: 2 });
      expect(sn.configs().get(a)!.peers.find((p) => p.node === node)!.publicKey).toBe(pubOfFile(s, node));
    }
    expect(pubOfFile(s, b)).not.toBe(oldPub);
    expect(sn.cilium.agents[a]).toMatchObject({ keyGeneration: 1, generation: 1 });
  });

  test('key files in the layout before the flat one are read, and moved by the next change', async () => {
    const s = await wgCluster();
    const nodes = snap(s).cluster.nodes.map((n) => n.name);
    const store = openStore(s.env);
    const pubs = nodes.map((n) => pubOfFile(s, n));
    for (const n of nodes) {
      const legacy = store.pathOf(legacyNodeKeyKey('RG', 'C', n));
      fs.mkdirSync(legacy.slice(0, legacy.lastIndexOf('/')), { recursive: true, mode: 0o700 });
      fs.renameSync(keyPath(s, n), legacy);
    }
    expect(nodes.map((n) => snap(s).configs().get(n)!.publicKey)).toEqual(pubs);
    expect((await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 1')).code).toBe(0);
    expect(nodes.map((n) => pubOfFile(s, n))).toEqual(pubs);
    expect(listFiles(s.env.home).filter((f) => f.includes('/var/'))).toEqual([]);
    expect(nodes.map((n) => snap(s).cilium.agents[n]!.keyGeneration)).toEqual([1, 1, 1]);
  });

  test('the all-zero key is never a peer', async () => {
    const s = await wgCluster();
    const sn = snap(s);
    const [a, b] = sn.cluster.nodes.map((n) => n.name) as [string, string];
    const cilium: CiliumDoc = structuredClone(sn.cilium);
    cilium.agents[b]!.publicKey = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const configs = wireguardConfigs({ ...sn, cilium }, sn.now);
    expect(configs.get(a)!.peers.map((p) => p.node)).not.toContain(b);
    expect(configs.get(b)).toBeNull();
  });
});

describe('turning WireGuard on and off', () => {
  test('update --no-wait starts a rolling restart: nodes switch one by one as simulated time passes', async () => {
    const s = await plainCiliumCluster();
    const r = await s.run('cluster update -g RG -n C --enable-wireguard --no-wait');
    // az's --no-wait prints nothing, on either stream (issue 12 item 12)
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    const showState = async () => (await s.run('cluster show -g RG -n C --query provisioningState -o tsv')).stdout;
    expect(await showState()).toBe('Updating\n');
    expect((await s.run('cluster list --query [].provisioningState -o tsv')).stdout).toBe('Updating\n');
    const sn = snap(s);
    const start = sn.now;
    const at = (ms: number) => [...wireguardConfigs(sn, start + ms).values()].map((c) => (c ? c.peers.length : null));
    expect(at(0)).toEqual([null, null, null]);
    expect(at(10_000)).toEqual([0, null, null]);
    expect(at(20_000)).toEqual([1, 1, null]);
    expect(at(30_000)).toEqual([2, 2, 2]);
    expect(sn.cilium.rollout).toMatchObject({ startedAtMs: start, intervalMs: 10_000, doneAtMs: start + 30_000, order: sn.cluster.nodes.map((n) => n.name) });
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Disabled (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    // Time moves on the cluster's clock (as `aks-wg clock advance 15s` does).
    const { advanceClusterClock } = await import('../../src/cluster/clock.js');
    const { readCluster, writeCluster } = await import('../../src/repo/cluster.js');
    await openStore(s.env).mutate((tx) => {
      const doc = readCluster(tx, 'RG', 'C');
      advanceClusterClock(doc, 15_000);
      writeCluster(tx, doc);
    });
    const mid = await s.run('cluster encryption-status -g RG -n C');
    expect(mid.stdout).toBe('Encryption: Disabled (2/3 nodes)\nEncryption: Wireguard (1/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    expect(mid.stderr).toContain('1/3 restarted');
    expect(await showState()).toBe('Updating\n');
    expect((await s.run('clock advance 14s -g RG -n C -o none')).code).toBe(0);
    expect(await showState()).toBe('Updating\n'); // 29 s of a 30 s rollout
    expect((await s.run('clock advance 1s -g RG -n C -o none')).code).toBe(0);
    expect(await showState()).toBe('Succeeded\n');
  });

  test('update without --no-wait runs the clock until every agent is back: none without WireGuard after it', async () => {
    const s = await plainCiliumCluster();
    const before = snap(s).now;
    const r = await s.run('cluster update -g RG -n C --enable-wireguard');
    expect(r.code).toBe(0);
    expect(r.json().networkProfile.advancedNetworking.security.transitEncryption).toEqual({ type: 'WireGuard' });
    expect(r.stderr).toBe('Restarted 3 Cilium agents one by one with WireGuard (30s of simulated time).\n');
    expect(r.json().provisioningState).toBe('Succeeded');
    const sn = snap(s);
    expect(sn.now).toBe(before + 30_000);
    expect([...sn.configs().values()].map((c) => c?.peers.length)).toEqual([2, 2, 2]);
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Wireguard (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
  });

  test('disabling removes cilium_wg0 and the peers everywhere at once; key files stay', async () => {
    const s = await wgCluster();
    const node = snap(s).cluster.nodes[0]!.name;
    expect((await s.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16')).code).toBe(0);
    expect(snap(s).cilium.strictEgressCidr).toBe('10.244.0.0/16');
    expect((await s.run('cluster update -g RG -n C --disable-wireguard')).code).toBe(0);
    const sn = snap(s);
    expect([...sn.configs().values()]).toEqual([null, null, null]);
    expect(sn.cilium.strictEgressCidr).toBeUndefined();
    expect(fs.existsSync(keyPath(s, node))).toBe(true);
    expect((await s.run('cluster encryption-status -g RG -n C')).stdout).toBe('Encryption: Disabled (3/3 nodes)\nEncryption strict mode (egress): Disabled\n');
    const wg = await s.run('kubectl exec --context RG/C -n kube-system ds/cilium -- wg show cilium_wg0');
    expect([wg.code, wg.stderr]).toEqual([1, 'Unable to access interface: No such device\ncommand terminated with exit code 1\n']);
    // Turning it back on reuses the key files (loaded, not regenerated).
    const pub = pubOfFile(s, node);
    expect((await s.run('cluster update -g RG -n C --enable-wireguard')).code).toBe(0);
    expect(snap(s).configs().get(node)!.publicKey).toBe(pub);
  });

  test('new nodes come up with WireGuard at once on a WireGuard cluster', async () => {
    const s = await wgCluster();
    expect((await s.run('nodepool scale -g RG --cluster-name C -n nodepool1 -c 4')).code).toBe(0);
    const sn = snap(s);
    expect(sn.cilium.rollout).toBeNull();
    expect([...sn.configs().values()].map((c) => c?.peers.length)).toEqual([3, 3, 3, 3]);
  });
});

describe('strict mode', () => {
  test('stored, cleared with an empty value, validated, and refused without WireGuard', async () => {
    const s = await wgCluster();
    expect((await s.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16')).code).toBe(0);
    expect(snap(s).cilium.strictEgressCidr).toBe('10.244.0.0/16');
    expect((await s.run(['cluster', 'update', '-g', 'RG', '-n', 'C', '--encryption-strict-egress-cidr', ''])).code).toBe(0);
    expect(snap(s).cilium.strictEgressCidr).toBeUndefined();
    const bad = await s.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.1/16');
    expect([bad.code, bad.stderr]).toEqual([1, "ERROR: --encryption-strict-egress-cidr: '10.244.0.1/16' has host bits set (did you mean 10.244.0.0/16?)\n"]);
    const p = await plainCiliumCluster();
    const off = await p.run('cluster update -g RG -n C --encryption-strict-egress-cidr 10.244.0.0/16');
    expect(off.code).toBe(1);
    expect(off.stderr).toMatch(/^ERROR: --encryption-strict-egress-cidr requires WireGuard transit encryption/);
  });
});

describe('rogue machine', () => {
  test('add-rogue keeps a key file and a record; no CiliumNode lists it and no node has it as a peer', async () => {
    const s = await wgCluster();
    const r = await s.run('node add-rogue -g RG -n C');
    expect(r.code).toBe(0);
    const rogue = r.json();
    expect(rogue).toMatchObject({ name: 'rogue-vm', ip: '10.224.255.254', listenPort: 51871, listedInCiliumNodes: false });
    expect(pubOfFile(s, 'rogue-vm')).toBe(rogue.publicKey);
    expect(fs.statSync(keyPath(s, 'rogue-vm')).mode & 0o777).toBe(0o600);
    const sn = snap(s);
    expect(sn.cilium.rogue).toMatchObject({ name: 'rogue-vm', ip: '10.224.255.254', publicKey: rogue.publicKey });
    expect(sn.cluster.nodes.map((n) => n.ip)).not.toContain(rogue.ip);
    for (const c of sn.configs().values()) expect(c!.peers.map((p) => p.publicKey)).not.toContain(rogue.publicKey);
    const list = await s.run('node list -g RG -n C');
    expect(list.json().map((n: { kind: string }) => n.kind)).toEqual(['node', 'node', 'node', 'rogue']);
    expect((await s.run('cluster encryption-status -g RG -n C')).stderr).toContain('rogue-vm (10.224.255.254)');
    const clash = await s.run(`node add-rogue -g RG -n C --rogue-name ${sn.cluster.nodes[0]!.name}`);
    expect(clash.code).toBe(1);
  });
});
