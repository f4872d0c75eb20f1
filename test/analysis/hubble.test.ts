import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { modelFromPlan } from '../../src/import/plan-model.js';
import { analyzeHubble, HubbleAnalyzer, readLines } from '../../src/analysis/hubble.js';
import { planImport } from '../../src/import/kubectl-import.js';
import { indexModel } from '../../src/analysis/model.js';

const read = (f: string) => ({ text: fs.readFileSync(f, 'utf8'), file: f });
const plan = planImport(read('fixtures/kubectl/three-nodes.json'), read('fixtures/kubectl/ciliumnodes.json'));
const CIDRS = ['10.224.0.0/16', '10.244.0.0/16', '10.0.0.0/16'];
const model = (wireguard: boolean) => indexModel(modelFromPlan(plan, { wireguard, clusterCidrs: CIDRS }));

async function analyzeFixture(wireguard = true) {
  return analyzeHubble(readLines(fs.createReadStream('fixtures/hubble/flows.jsonl')), model(wireguard));
}

describe('hubble: every flow kind in the fixture', () => {
  it('counts lines, replies, skipped events and malformed lines with their numbers', async () => {
    const r = await analyzeFixture();
    expect(r.stats).toMatchObject({
      lines: 22,
      flowLines: 15,
      replies: 2,
      // the cross-node request seen at both ends (EGRESS on node0, INGRESS on node1) is one flow
      distinctFlows: 11,
      nodeStatus: 1,
      lostEvents: 1,
      tunnelPackets: 1,
      malformed: 3,
      unknownAddresses: 1,
      unresolvedServices: 0,
    });
    expect(r.malformed.map((m) => m.line)).toEqual([14, 15, 22]);
    expect(r.malformed[0]!.message).toMatch(/^not JSON \(truncated\?\)/);
    expect(r.malformed[1]!.message).toBe('not a JSON object');
    expect(r.malformed[2]!.message).toBe('no "flow", "node_status" or "lost_events" field');
  });

  it('classifies each flow into its path class and folds replies into requests', async () => {
    const r = await analyzeFixture();
    const find = (s: string, d: string, dport: number) => r.flows.filter((f) => f.source.ip === s && f.destination.ip === d && f.destinationPort === dport);
    // cross-node pod, seen at both ends (EGRESS on the source node, INGRESS on the destination): one connection, one
    // flow (direction: the first seen), with the reply and the duplicate folded in
    const cross = find('10.244.0.30', '10.244.1.20', 8080);
    expect(cross.map((f) => [f.direction, f.requests, f.replies, f.path, f.encrypted])).toEqual([['EGRESS', 3, 1, 'inter-node', true]]);
    expect(cross[0]!.observationPoints).toEqual(['TO_STACK', 'TO_ENDPOINT']);
    // same-node DNS, reply given with the deprecated `reply` field
    const dns = find('10.244.0.30', '10.244.0.10', 53);
    expect(dns).toHaveLength(1);
    expect(dns[0]).toMatchObject({ protocol: 'UDP', path: 'same-node', encrypted: false, requests: 1, replies: 1 });
    expect(dns[0]!.destination).toMatchObject({ kind: 'pod', namespace: 'kube-system', name: 'coredns-6d8f7b9c5-x2k4p' });
    // host to pod, same node and from another node
    expect(find('10.224.0.4', '10.244.0.10', 8181)[0]).toMatchObject({ path: 'node-originated', encrypted: false });
    expect(find('10.224.0.5', '10.244.0.10', 9153)[0]).toMatchObject({ path: 'node-originated', encrypted: false });
    // pod to world
    expect(find('10.244.1.20', '140.82.112.3', 443)[0]).toMatchObject({ path: 'external', encrypted: false });
    // through a ClusterIP service: translated to the backend Hubble names (on another node)
    const viaSvc = r.flows.find((f) => f.service === 'shop/web')!;
    expect(viaSvc).toMatchObject({ path: 'inter-node', encrypted: true, destinationPort: 80 });
    expect(viaSvc.destination).toMatchObject({ name: 'web-5b8c7d9f4-kd2vn', node: 'aks-userpool-31415926-vmss000000' });
    // pod to another node's kubelet
    expect(find('10.244.0.30', '10.224.0.5', 10250)[0]).toMatchObject({ path: 'to-node', encrypted: false });
    // missing optional fields: no ports, no direction, no is_reply, time from the line
    const icmp = r.flows.find((f) => f.protocol === 'ICMPv4')!;
    expect(icmp).toMatchObject({ path: 'inter-node', direction: 'TRAFFIC_DIRECTION_UNKNOWN', sourcePort: 0, destinationPort: 0, encrypted: true });
    expect(icmp.firstTime).toMatch(/^2026-11-25T14:02/);
    // an address outside every known CIDR that Hubble did not mark as world
    expect(find('192.168.50.7', '10.244.0.30', 8080)[0]).toMatchObject({ path: 'external' });
    // a strict-mode drop is recorded with its reason, and is not encrypted (Cilium strict mode: UNENCRYPTED_TRAFFIC)
    const drop = find('10.244.2.21', '10.244.1.20', 8080)[0]!;
    expect(drop.verdicts).toEqual({ DROPPED: 1 });
    expect(drop.dropReasons).toEqual({ UNENCRYPTED_TRAFFIC: 1 });
    expect(drop.encrypted).toBe(false);
    expect(drop.reason).toBe('strict mode: dropped with UNENCRYPTED_TRAFFIC on aks-userpool-31415926-vmss000000 (the packet would have left the node unencrypted)');
    expect(r.grading).toEqual({ dropped: 1, strictModeDrops: 1 });
  });

  it('compares the five options per path class and per namespace', async () => {
    const r = await analyzeFixture();
    const by = Object.fromEntries(r.coverage.map((c) => [c.scenario, c]));
    // 11 distinct flows; as configured (wireguard) the strict-mode drop is not encrypted; the other options stay what-ifs
    expect(r.coverage.map((c) => [c.scenario, c.total, c.encrypted])).toEqual([
      ['none', 11, 0],
      ['wireguard', 11, 3],
      ['wireguard-node', 11, 7],
      ['vnet', 11, 3],
      ['wireguard-vnet', 11, 6],
    ]);
    expect(by['wireguard']!.byPath['inter-node']).toEqual({ total: 4, encrypted: 3, percent: 75 });
    expect(by['vnet']!.byPath['inter-node']).toEqual({ total: 4, encrypted: 1, percent: 25 });
    expect(by['wireguard-node']!.byPath['node-originated']).toEqual({ total: 3, encrypted: 2, percent: 66.7 });
    expect(Object.keys(by['none']!.byNamespace)).toEqual(['(host)', 'kube-system', 'shop']);
    expect(r.configured).toBe('wireguard');
  });

  it('with WireGuard off nothing is encrypted as configured, but the comparison is the same', async () => {
    const r = await analyzeFixture(false);
    expect(r.flows.every((f) => !f.encrypted)).toBe(true);
    expect(r.configured).toBe('none');
    // each option is counterfactual: what it would encrypt were it configured, as on a cluster that has it — except
    // that the option a cluster has is graded by what happened (its dropped flow was not encrypted)
    const on = await analyzeFixture(true);
    const columns = (x: typeof r) => x.coverage.filter((c) => c.scenario !== 'wireguard').map((c) => [c.scenario, c.encrypted]);
    expect(columns(r)).toEqual(columns(on));
    expect(r.coverage.find((c) => c.scenario === 'wireguard')!.encrypted).toBe(4);
    expect(on.coverage.find((c) => c.scenario === 'wireguard')!.encrypted).toBe(3);
    expect(r.coverage.find((c) => c.scenario === 'vnet')!.encrypted).toBe(3);
  });

  it('a node without a published key gets no WireGuard peer: its pod flows stay plaintext', async () => {
    const p = planImport(read('fixtures/kubectl/three-nodes.json'), read('fixtures/kubectl/ciliumnodes.json'));
    p.nodes[1]!.wgPublicKey = null;
    const r = await analyzeHubble(readLines(fs.createReadStream('fixtures/hubble/flows.jsonl')), indexModel(modelFromPlan(p, { wireguard: true, clusterCidrs: CIDRS })));
    expect(r.flows.filter((f) => f.path === 'inter-node' && f.encrypted)).toHaveLength(1); // only node0 → node2 via the service
  });
});

describe('hubble: bad input and limits', () => {
  it('caps the malformed lines listed, counts the rest, and keeps going', async () => {
    const lines = ['{', 'x', ...Array.from({ length: 50 }, () => 'garbage'), fs.readFileSync('fixtures/hubble/flows.jsonl', 'utf8').split('\n')[1]!];
    const r = await analyzeHubble(Readable.from(lines) as AsyncIterable<string>, model(true), { maxReported: 5 });
    expect(r.stats.malformed).toBe(52);
    expect(r.malformed.map((m) => m.line)).toEqual([1, 2, 3, 4, 5]);
    expect(r.stats.distinctFlows).toBe(1);
  });

  it('counts 200,000 malformed lines of every shape, listing the first 10, and still reads the good one', async () => {
    const shapes = ['garbage', '{"flow": {"IP": ', '[1,2]', '{"x": 1', '  nope  ', '{"flow": 5}'];
    const good = fs.readFileSync('fixtures/hubble/flows.jsonl', 'utf8').split('\n')[1]!;
    const lines = Array.from({ length: 200_000 }, (_, i) => shapes[i % shapes.length]!);
    lines.push(good);
    const r = await analyzeHubble([lines] as unknown as AsyncIterable<string[]>, model(true));
    expect(r.stats.malformed).toBe(200_000);
    expect(r.malformed.map((m) => m.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.malformed[5]!.message).toBe('"flow" is not an object');
    expect(r.stats.flowLines).toBe(1);
  });

  it('stops listing flows at maxFlows but still counts them in the coverage', () => {
    const a = new HubbleAnalyzer(model(true), { maxFlows: 10 });
    for (let i = 0; i < 100; i++) {
      a.addLine(JSON.stringify({ flow: { IP: { source: '10.244.0.30', destination: '10.244.1.20' }, l4: { TCP: { source_port: 1000 + i, destination_port: 80 } } } }), i + 1);
    }
    const r = a.result();
    expect(r.flows).toHaveLength(10);
    expect(r.stats.overflowObservations).toBe(90);
    expect(r.coverage[1]!.total).toBe(100);
  });

  it('reads CRLF lines and stdin-like streams of chunks split mid-line', async () => {
    const text = fs.readFileSync('fixtures/hubble/flows.jsonl', 'utf8').replace(/\n/g, '\r\n');
    const chunks = text.match(/[\s\S]{1,97}/g)!.map((s) => Buffer.from(s));
    const r = await analyzeHubble(readLines(Readable.from(chunks)), model(true));
    expect(r.stats.distinctFlows).toBe(11);
    expect(r.stats.malformed).toBe(3);
  });
});
