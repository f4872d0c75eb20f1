/**
 * Issue 12 items 4 and 8 on the `--hubble` side: what the log says happened grades a flow. Cilium (reference
 * cilium.md): strict mode drops unencrypted pod-to-pod traffic with UNENCRYPTED_TRAFFIC; a DROPPED flow never
 * crossed the wire; Hubble's `is_reply` is a BoolValue, absent when unknown; on AKS the API server is outside the
 * cluster (the `kubernetes` service's ClusterIP leads out; Hubble's identity 7 is kube-apiserver); the node's
 * Cilium router (CiliumInternalIP, identity host/remote-node) is the host, its health endpoint (identity 4) is an
 * endpoint like a pod.
 */
import * as fs from 'node:fs';
import { modelFromPlan } from '../../src/import/plan-model.js';
import { HubbleAnalyzer } from '../../src/analysis/hubble.js';
import { planImport } from '../../src/import/kubectl-import.js';
import { indexModel } from '../../src/analysis/model.js';

const read = (f: string) => ({ text: fs.readFileSync(f, 'utf8'), file: f });
const plan = planImport(read('fixtures/kubectl/three-nodes.json'), read('fixtures/kubectl/ciliumnodes.json'));
const index = indexModel(modelFromPlan(plan, { wireguard: true, clusterCidrs: ['10.224.0.0/16', '10.244.0.0/16', '10.0.0.0/16'] }));

// client (node0, 10.244.0.30) and web-hw7tx (node1, 10.244.1.20): an inter-node pod pair WireGuard encrypts
const line = (flow: Record<string, unknown>) => JSON.stringify({ flow: { Type: 'L3_L4', ...flow } });
const tcp = (src: string, sport: number, dst: string, dport: number, extra: Record<string, unknown> = {}) =>
  line({ IP: { source: src, destination: dst, ipVersion: 'IPv4' }, l4: { TCP: { source_port: sport, destination_port: dport } }, verdict: 'FORWARDED', ...extra });

function analyze(lines: string[]) {
  const a = new HubbleAnalyzer(index);
  lines.forEach((l, i) => a.addLine(l, i + 1));
  return a.result();
}

describe('hubble grading: drops are never encrypted (Cilium strict mode, UNENCRYPTED_TRAFFIC)', () => {
  test('a strict-mode drop on a path WireGuard would encrypt is not encrypted, and is counted apart', () => {
    const r = analyze([tcp('10.244.0.30', 40000, '10.244.1.20', 8080, { verdict: 'DROPPED', drop_reason: 195, drop_reason_desc: 'UNENCRYPTED_TRAFFIC', node_name: 'aks-nodepool1-31415926-vmss000000' })]);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ path: 'inter-node', encrypted: false });
    expect(r.flows[0]!.reason).toBe('strict mode: dropped with UNENCRYPTED_TRAFFIC on aks-nodepool1-31415926-vmss000000 (the packet would have left the node unencrypted)');
    expect(r.grading).toEqual({ dropped: 1, strictModeDrops: 1 });
    const configured = r.coverage.find((c) => c.scenario === 'wireguard')!;
    expect([configured.total, configured.encrypted]).toEqual([1, 0]);
  });

  test('a flow seen only DROPPED for another reason is not encrypted either; one also forwarded is', () => {
    const r = analyze([
      tcp('10.244.0.30', 40001, '10.244.1.20', 8080, { verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' }),
      tcp('10.244.0.30', 40002, '10.244.1.20', 8080, { verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' }),
      tcp('10.244.0.30', 40002, '10.244.1.20', 8080),
    ]);
    const [denied, retried] = r.flows;
    expect(denied).toMatchObject({ encrypted: false, reason: 'dropped (POLICY_DENIED) on aks-nodepool1-31415926-vmss000000: it never crossed the wire' });
    expect(retried).toMatchObject({ encrypted: true });
    expect(r.grading).toEqual({ dropped: 1, strictModeDrops: 0 });
  });

  test('past maxFlows a drop is graded by its first line', () => {
    const a = new HubbleAnalyzer(index, { maxFlows: 1 });
    a.addLine(tcp('10.244.0.30', 1, '10.244.1.20', 8080), 1);
    a.addLine(tcp('10.244.0.30', 2, '10.244.1.20', 8080, { verdict: 'DROPPED', drop_reason_desc: 'UNENCRYPTED_TRAFFIC' }), 2);
    const wg = a.result().coverage.find((c) => c.scenario === 'wireguard')!;
    expect([wg.total, wg.encrypted]).toEqual([2, 1]);
  });
});

describe('hubble: replies fold by the reversed 5-tuple when is_reply is missing', () => {
  test('no is_reply on either line: the reversed one is the reply', () => {
    const r = analyze([tcp('10.244.0.30', 43000, '10.244.1.20', 8080), tcp('10.244.1.20', 8080, '10.244.0.30', 43000)]);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ requests: 1, replies: 1, sourcePort: 43000, destinationPort: 8080 });
    expect(r.stats.replies).toBe(1);
  });

  test('is_reply: false says it is not a reply: two flows', () => {
    const r = analyze([tcp('10.244.0.30', 43000, '10.244.1.20', 8080), tcp('10.244.1.20', 8080, '10.244.0.30', 43000, { is_reply: false })]);
    expect(r.flows).toHaveLength(2);
    expect(r.stats.replies).toBe(0);
  });

  test('the same connection seen EGRESS on one node and INGRESS on the other is one flow', () => {
    const r = analyze([
      tcp('10.244.0.30', 43000, '10.244.1.20', 8080, { traffic_direction: 'EGRESS', trace_observation_point: 'TO_STACK' }),
      tcp('10.244.0.30', 43000, '10.244.1.20', 8080, { traffic_direction: 'INGRESS', trace_observation_point: 'TO_ENDPOINT' }),
    ]);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ direction: 'EGRESS', requests: 2, observationPoints: ['TO_STACK', 'TO_ENDPOINT'] });
  });
});

describe('hubble: a reason for every flow, as traffic inspect gives one', () => {
  test('each path class says why', () => {
    const r = analyze([
      tcp('10.244.0.30', 1, '10.244.1.20', 8080),
      tcp('10.244.0.30', 2, '10.244.0.10', 53),
      tcp('10.224.0.4', 3, '10.244.1.20', 8080),
      tcp('10.244.0.30', 4, '10.224.0.5', 10250),
      tcp('10.244.0.30', 5, '140.82.112.3', 443, { destination: { identity: 2, labels: ['reserved:world'] } }),
    ]);
    expect(r.flows.map((f) => [f.path, f.encrypted, f.reason])).toEqual([
      ['inter-node', true, 'pod to pod across nodes: aks-nodepool1-31415926-vmss000000 and aks-nodepool1-31415926-vmss000001 are WireGuard peers (both publish a key), so it crossed eth0 only as WireGuard UDP 51871'],
      ['same-node', false, 'pod to pod on the same node (aks-nodepool1-31415926-vmss000000): delivered over the lxc veth, never on eth0'],
      ['node-originated', false, 'from node aks-nodepool1-31415926-vmss000000: the source is the host, which WireGuard on AKS does not encrypt (node encryption off)'],
      ['to-node', false, 'to node aks-nodepool1-31415926-vmss000001 (10.224.0.5): node addresses carry no WireGuard key (node encryption off)'],
      ['external', false, 'to outside the cluster (140.82.112.3): no WireGuard peer owns the destination'],
    ]);
  });
});

describe('hubble: the API server, the Cilium router and health IPs (issue 12 item 8)', () => {
  test('pod → kubernetes service (10.0.0.1): external (AKS runs the API server outside the cluster), no warning', () => {
    const r = analyze([tcp('10.244.0.30', 50000, '10.0.0.1', 443)]);
    expect(r.flows[0]).toMatchObject({ path: 'external', encrypted: false, service: 'default/kubernetes', unresolvedService: false });
    expect(r.flows[0]!.destination).toMatchObject({ kind: 'external', name: 'kube-apiserver' });
    expect(r.flows[0]!.reason).toBe('to the Kubernetes API server (10.0.0.1), which runs outside the cluster on AKS: no WireGuard peer owns it; protected by TLS, not WireGuard');
    expect(r.stats.unresolvedServices).toBe(0);
  });

  test("pod → the API server's own address (identity 7, kube-apiserver): external, not an unknown address", () => {
    const r = analyze([tcp('10.244.0.30', 50001, '20.62.1.9', 443, { destination: { identity: 7, labels: ['reserved:kube-apiserver'] } })]);
    expect(r.flows[0]).toMatchObject({ path: 'external', unknownAddress: false });
    expect(r.flows[0]!.destination.name).toBe('kube-apiserver');
    expect(r.stats.unknownAddresses).toBe(0);
  });

  test("pod → another node's Cilium router IP (.1, remote-node) and health IP (.2, health): the node's agent, to-node, not encrypted", () => {
    const r = analyze([
      tcp('10.244.0.30', 50002, '10.244.1.1', 4240, { destination: { identity: 6, labels: ['reserved:remote-node'] } }),
      tcp('10.244.0.30', 50003, '10.244.1.2', 4240, { destination: { identity: 4, labels: ['reserved:health'] } }),
    ]);
    expect(r.flows.map((f) => [f.destination.kind, f.destination.node, f.path, f.encrypted])).toEqual([
      ['node', 'aks-nodepool1-31415926-vmss000001', 'to-node', false],
      ['node', 'aks-nodepool1-31415926-vmss000001', 'to-node', false],
    ]);
    expect(r.flows[1]!.reason).toBe(
      "to aks-nodepool1-31415926-vmss000001's Cilium health endpoint (10.244.1.2), an address of the node's agent, not a pod: outside the peer's pod AllowedIPs (node encryption off)",
    );
  });
});
