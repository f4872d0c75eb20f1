/** The workload model: system pods per dataplane, placement, IPAM, reconcile after node changes (its document: test/repo/). */
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';
import type { ClusterDoc } from '../../src/cluster/doc.js';
import { cidrContains, parseCidr, parseIPv4 } from '../../src/net/ip.js';
import { addNodes, removeNodes } from '../../src/cluster/nodes.js';
import { loadCluster, openStore } from '../../src/repo/cluster.js';
import { ciliumInternalIp, healthIp, reconcileWorkloads } from '../../src/cluster/schedule.js';
import { loadWorkloads } from '../../src/repo/workloads.js';
import {
  emptyWorkloads,
  podsByIp,
  podsByNode,
  selectPods,
  serviceBackends,
  servicesByClusterIp,
  type Pod,
  type Workloads,
} from '../../src/cluster/workloads.js';

afterEach(removeTempDirs);

async function created(flags: string) {
  const s = session();
  const r = await s.run(`cluster create -g RG -n C ${flags}`);
  expect([r.code, r.stderr]).toEqual([0, '']);
  const store = openStore(s.env);
  const doc = loadCluster(store, 'RG', 'C');
  return { s, store, doc, w: loadWorkloads(store, doc) };
}

const names = (w: Workloads, ns = 'kube-system') =>
  [...new Set(w.pods.filter((p) => p.namespace === ns).map((p) => (p.owner ? `${p.owner.kind}/${p.owner.name}` : p.name)))].sort();

/** Every invariant the fabric relies on. */
function checkConsistent(doc: ClusterDoc, w: Workloads): void {
  const nodes = new Map(doc.nodes.map((n) => [n.name, n]));
  const ips = new Set<string>();
  for (const p of w.pods) {
    if (p.node === null) {
      expect(p.ip).toBeNull();
      continue;
    }
    const node = nodes.get(p.node);
    expect(node).toBeDefined();
    if (p.hostNetwork) expect(p.ip).toBe(node!.ip);
    else {
      expect(cidrContains(parseCidr(node!.podCidr), parseIPv4(p.ip!))).toBe(true);
      const host = parseIPv4(p.ip!) & 255;
      expect(host).toBeGreaterThanOrEqual(3);
      expect(host).toBeLessThanOrEqual(254);
      expect(ips.has(p.ip!)).toBe(false);
      ips.add(p.ip!);
    }
  }
  const keys = w.pods.map((p) => `${p.namespace}/${p.name}`);
  expect(new Set(keys).size).toBe(keys.length);
  // DaemonSet pods: exactly one per node.
  for (const c of w.controllers.filter((x) => x.kind === 'DaemonSet')) {
    const on = w.pods.filter((p) => p.owner?.kind === 'DaemonSet' && p.owner.name === c.name).map((p) => p.node);
    expect(on.sort()).toEqual(doc.nodes.map((n) => n.name).sort());
  }
}

describe('system workloads', () => {
  test('Cilium dataplane with ACNS observability: the AKS Cilium add-ons and services', async () => {
    const { doc, w } = await created('--enable-wireguard');
    expect(names(w)).toEqual([
      'DaemonSet/azure-cns',
      'DaemonSet/cilium',
      'DaemonSet/cloud-node-manager',
      'Deployment/cilium-operator',
      'Deployment/coredns',
      'Deployment/hubble-relay',
      'Deployment/konnectivity-agent',
      'Deployment/metrics-server',
    ]);
    const count = (n: string) => w.pods.filter((p) => p.owner?.name === n).length;
    expect([count('cilium'), count('cilium-operator'), count('coredns'), count('metrics-server'), count('konnectivity-agent'), count('hubble-relay')]).toEqual([3, 2, 2, 2, 2, 1]);
    for (const p of w.pods) {
      const hostNet = ['cilium', 'azure-cns', 'cloud-node-manager', 'cilium-operator'].includes(p.owner!.name);
      expect([p.name, p.hostNetwork]).toEqual([p.name, hostNet]);
    }
    expect(w.services.map((s) => `${s.namespace}/${s.name} ${s.clusterIP}`).slice(0, 2)).toEqual(['default/kubernetes 10.0.0.1', 'kube-system/kube-dns 10.0.0.10']);
    const dns = w.services.find((s) => s.name === 'kube-dns')!;
    expect(dns.ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(['53/UDP', '53/TCP']);
    expect(w.services.map((s) => s.name).sort()).toEqual(['hubble-peer', 'hubble-relay', 'kube-dns', 'kubernetes', 'metrics-server']);
    for (const s of w.services) expect(cidrContains(parseCidr('10.0.0.0/16'), parseIPv4(s.clusterIP))).toBe(true);
    checkConsistent(doc, w);
  });

  test('azure dataplane: kube-proxy, azure-cns and ip-masq-agent instead of Cilium', async () => {
    const { w } = await created('');
    expect(names(w)).toEqual([
      'DaemonSet/azure-cns',
      'DaemonSet/azure-ip-masq-agent',
      'DaemonSet/cloud-node-manager',
      'DaemonSet/kube-proxy',
      'Deployment/coredns',
      'Deployment/konnectivity-agent',
      'Deployment/metrics-server',
    ]);
  });

  test('kubenet: no azure-cns', async () => {
    const { w } = await created('--network-plugin kubenet');
    expect(names(w)).not.toContain('DaemonSet/azure-cns');
    expect(names(w)).toContain('DaemonSet/kube-proxy');
  });

  test('one node: cilium-operator runs one replica', async () => {
    const { w } = await created('--enable-wireguard -c 1');
    expect(w.pods.filter((p) => p.owner?.name === 'cilium-operator')).toHaveLength(1);
    expect(w.pods.every((p) => p.node !== null)).toBe(true);
  });

  test('turning ACNS observability off removes hubble-relay and its services', async () => {
    const { s, store } = await created('--enable-wireguard');
    expect((await s.run('cluster update -g RG -n C --disable-acns-observability')).code).toBe(0);
    const doc = loadCluster(store, 'RG', 'C');
    const w = loadWorkloads(store, doc);
    expect(names(w)).not.toContain('Deployment/hubble-relay');
    expect(w.services.map((x) => x.name)).not.toContain('hubble-relay');
  });
});

describe('placement', () => {
  test('router .1 and health .2 are reserved; CiliumNode addresses come from them', async () => {
    const { doc } = await created('--enable-wireguard');
    expect([ciliumInternalIp(doc.nodes[1]!), healthIp(doc.nodes[1]!)]).toEqual(['10.244.1.1', '10.244.1.2']);
  });

  test('deployment replicas spread round-robin from a hash of the name, deterministically', async () => {
    const a = await created('--enable-wireguard -c 4');
    const b = await created('--enable-wireguard -c 4');
    const web = (doc: ClusterDoc, w: Workloads, replicas: number) => {
      w.controllers.push({
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        labels: {},
        selector: { app: 'web' },
        template: { labels: { app: 'web' }, hostNetwork: false, containers: [{ name: 'c', image: 'nginx', ports: [] }] },
        replicas,
        system: false,
        systemPoolsOnly: false,
        createdMs: 0,
        generation: 1,
        templateHash: 'abc',
        nextSeq: 0,
      });
      reconcileWorkloads(doc, w);
      return w.pods.filter((p) => p.owner?.name === 'web');
    };
    const pa = web(a.doc, a.w, 10);
    const pb = web(b.doc, b.w, 10);
    expect(pa.map((p) => [p.name, p.node, p.ip])).toEqual(pb.map((p) => [p.name, p.node, p.ip]));
    const perNode = new Map<string, number>();
    for (const p of pa) perNode.set(p.node!, (perNode.get(p.node!) ?? 0) + 1);
    expect([...perNode.values()].sort()).toEqual([2, 2, 3, 3]);
    // Consecutive replicas go to consecutive nodes (sorted by name, wrapping).
    const sorted = a.doc.nodes.map((n) => n.name).sort();
    const idx = pa.map((p) => sorted.indexOf(p.node!));
    for (let i = 1; i < 4; i++) expect(idx[i]).toBe((idx[0]! + i) % 4);
    for (const p of pa) expect(p.name).toMatch(/^web-abc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    checkConsistent(a.doc, a.w);
  });

  test('DaemonSet pods follow nodepool add/scale/delete; pods of removed nodes are re-created elsewhere', async () => {
    const { doc, w } = await created('--enable-wireguard -c 3');
    addNodes(doc, 'nodepool1', 2, 'Standard_DS2_v2');
    doc.managedCluster.agentPoolProfiles[0]!.count = 5;
    reconcileWorkloads(doc, w);
    checkConsistent(doc, w);
    expect(w.pods.filter((p) => p.owner?.name === 'cilium')).toHaveLength(5);
    const before = new Map(w.pods.map((p) => [p.name, p.node]));
    const gone = removeNodes(doc, 'nodepool1', 3).map((n) => n.name);
    doc.managedCluster.agentPoolProfiles[0]!.count = 2;
    reconcileWorkloads(doc, w);
    checkConsistent(doc, w);
    expect(w.pods.some((p) => p.node !== null && gone.includes(p.node))).toBe(false);
    expect(w.pods.filter((p) => p.owner?.name === 'coredns')).toHaveLength(2);
    expect(w.pods.filter((p) => p.owner?.name === 'cilium-operator')).toHaveLength(2);
    // Pods on surviving nodes stayed where they were, under the same name.
    for (const p of w.pods) if (before.has(p.name)) expect(p.node).toBe(before.get(p.name));
  });

  test('hostNetwork replicas never share a node; extra ones stay Pending until a node appears', async () => {
    const { doc, w } = await created('--enable-wireguard -c 2');
    w.controllers.push({
      kind: 'Deployment',
      namespace: 'default',
      name: 'hn',
      labels: {},
      selector: { app: 'hn' },
      template: { labels: { app: 'hn' }, hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [] }] },
      replicas: 3,
      system: false,
      systemPoolsOnly: false,
      createdMs: 0,
      generation: 1,
      templateHash: 'h',
      nextSeq: 0,
    });
    reconcileWorkloads(doc, w);
    const hn = () => w.pods.filter((p) => p.owner?.name === 'hn');
    expect(hn().map((p) => p.node === null).sort()).toEqual([false, false, true]);
    addNodes(doc, 'nodepool1', 1, 'Standard_DS2_v2');
    reconcileWorkloads(doc, w);
    expect(hn().every((p) => p.node !== null)).toBe(true);
    expect(new Set(hn().map((p) => p.node)).size).toBe(3);
    checkConsistent(doc, w);
  });

  test('maxPods caps a node; the rest stays Pending', async () => {
    const { doc, w } = await created('--enable-wireguard -c 1 --max-pods 20');
    w.pods.push(
      ...Array.from({ length: 20 }, (_, i): Pod => ({
        namespace: 'default',
        name: `p${i}`,
        node: null,
        ip: null,
        hostNetwork: false,
        labels: { app: 'p' },
        containers: [{ name: 'c', image: 'x', ports: [] }],
        owner: null,
        system: false,
        createdMs: 0,
      })),
    );
    reconcileWorkloads(doc, w);
    const running = w.pods.filter((p) => p.node !== null);
    expect(running).toHaveLength(20);
    expect(w.pods.filter((p) => p.node === null).length).toBeGreaterThan(0);
    checkConsistent(doc, w);
  });
});

describe('queries for the fabric', () => {
  test('pods by node and IP, selector, service → backends with named target ports', async () => {
    const { doc, w } = await created('--enable-wireguard');
    const byNode = podsByNode(w);
    expect([...byNode.keys()].sort()).toEqual(doc.nodes.map((n) => n.name).sort());
    const byIp = podsByIp(w);
    for (const p of byIp.values()) expect(p.hostNetwork).toBe(false);
    const coredns = selectPods(w, 'kube-system', { 'k8s-app': 'kube-dns' });
    expect(coredns).toHaveLength(2);
    const dns = servicesByClusterIp(w).get('10.0.0.10')!;
    expect(serviceBackends(w, dns, 53, 'UDP').map((b) => [b.pod.name, b.port, b.protocol])).toEqual(coredns.map((p) => [p.name, 53, 'UDP']));
    const ms = w.services.find((s) => s.name === 'metrics-server')!;
    expect(serviceBackends(w, ms).map((b) => b.port)).toEqual([4443, 4443]);
    expect(serviceBackends(w, w.services.find((s) => s.name === 'kubernetes')!)).toEqual([]);
  });

  test('an empty model reconciles to the system workloads', async () => {
    const { doc, w } = await created('--enable-wireguard');
    const fresh = emptyWorkloads();
    reconcileWorkloads(doc, fresh);
    expect(fresh.pods.map((p) => [p.name, p.node, p.ip])).toEqual(w.pods.map((p) => [p.name, p.node, p.ip]));
  });
});
