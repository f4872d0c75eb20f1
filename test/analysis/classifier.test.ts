/**
 * One path classifier and one would-encrypt function (issue 11): every case is decided by cluster/path.ts and
 * insight/coverage.ts alone, and the fabric's report, the Hubble reader (reading the fabric's own export) and
 * --compare agree with them flow by flow. Also: --compare is counterfactual (an azure-dataplane cluster still shows
 * what WireGuard would cover, with a note naming the change it needs).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyPath, leavesNode, type PathClass, type PathEndpoint } from '../../src/cluster/path.js';
import { SCENARIO_BIT, wouldEncrypt, type NodeFacts } from '../../src/analysis/coverage.js';
import type { Endpoint } from '../../src/analysis/model.js';
import { MANIFEST } from '../fabric/helpers.js';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const ep = (kind: PathEndpoint['kind'], node: string | null, hostNetwork = false): Endpoint => ({ kind, node, hostNetwork, ip: '', namespace: null, name: null });

describe('the one classifier', () => {
  const facts = new Map<string, NodeFacts>([
    ['a', { wireguard: true, optOut: false, vnetSupported: true }],
    ['b', { wireguard: true, optOut: false, vnetSupported: true }],
  ]);
  // a hostNetwork pod comes as kind 'pod' from the fabric and as kind 'node' from the Hubble model: the same class
  test.each<[string, Endpoint, Endpoint, PathClass, boolean, number]>([
    ['pod → pod across nodes', ep('pod', 'a'), ep('pod', 'b'), 'inter-node', true, SCENARIO_BIT.wireguard],
    ['pod → pod on one node', ep('pod', 'a'), ep('pod', 'a'), 'same-node', false, 0],
    ['hostNetwork → hostNetwork across nodes (fabric shape)', ep('pod', 'a', true), ep('pod', 'b', true), 'node-originated', true, 0],
    ['hostNetwork → hostNetwork across nodes (model shape)', ep('node', 'a', true), ep('node', 'b', true), 'node-originated', true, 0],
    ['hostNetwork → pod on its own node', ep('pod', 'a', true), ep('pod', 'a'), 'node-originated', false, 0],
    ['node → pod on another node', ep('node', 'a'), ep('pod', 'b'), 'node-originated', true, 0],
    ['pod → another node IP', ep('pod', 'a'), ep('node', 'b'), 'to-node', true, 0],
    ['pod → hostNetwork pod on another node', ep('pod', 'a'), ep('pod', 'b', true), 'to-node', true, 0],
    ['pod → its own node IP', ep('pod', 'a'), ep('node', 'a'), 'same-node', false, 0],
    ['pod → outside', ep('pod', 'a'), ep('external', null), 'external', true, 0],
    ['outside → pod', ep('external', null), ep('pod', 'b'), 'external', true, 0],
  ])('%s', (_what, src, dst, path, leaves, wireguardBit) => {
    expect(classifyPath(src, dst)).toBe(path);
    expect(leavesNode(src, dst)).toBe(leaves);
    expect(wouldEncrypt(src, dst, facts) & SCENARIO_BIT.wireguard).toBe(wireguardBit);
  });
});

const HOST_POD = (node: string) => `apiVersion: v1
kind: Pod
metadata: {name: hostpod, namespace: default}
spec:
  hostNetwork: true
  nodeName: ${node}
  containers: [{name: c, image: busybox, ports: [{containerPort: 9100}]}]
---
${MANIFEST}`;

interface FlowJson {
  source: { kind: 'pod' | 'node' | 'external'; node: string | null; hostNetwork: boolean; ip: string };
  destination: { kind: 'pod' | 'node' | 'external'; node: string | null; hostNetwork: boolean; ip: string };
  protocol: string;
  path: PathClass;
  encrypted: boolean;
  verdict?: string;
  dropReason?: string | null;
}

describe('the fabric, the Hubble reader and --compare agree', () => {
  test('every path class, strict-mode drops and a half-done rolling enable', async () => {
    const dir = makeTempDir();
    const s = session({ seed: 'classifier', cwd: dir, home: path.join(dir, 'state') });
    const must = async (argv: string) => {
      const r = await s.run(argv);
      if (r.code !== 0) throw new Error(`${argv} → ${r.code}: ${r.stderr}`);
      return r;
    };
    await must('cluster create -g rg -n c -c 3 --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium -o none');
    await must('cluster get-credentials -g rg -n c');
    const nodes = (await must('kubectl get nodes -o json')).json().items.map((n: any) => n.metadata.name as string);
    fs.writeFileSync(path.join(dir, 'w.yaml'), HOST_POD(nodes[1]));
    await must('kubectl apply -f w.yaml');
    // WireGuard rolling out, two of three agents restarted, strict mode on the pod CIDR: encrypted, plaintext and
    // strict-mode drops side by side
    await must('cluster update -g rg -n c --enable-wireguard --no-wait');
    await must('cluster update -g rg -n c --encryption-strict-egress-cidr 10.244.0.0/16 -o none');
    await must('clock advance 25s -g rg -n c');
    const fabric = (await must('traffic inspect -g rg -n c --all-pairs --compare --export-hubble h.jsonl -o json')).json();
    const flows = fabric.flows as FlowJson[];
    const seen = new Set(flows.map((f) => f.path));
    for (const p of ['inter-node', 'same-node', 'node-originated', 'to-node'] as PathClass[]) expect(seen.has(p)).toBe(true);
    expect(flows.some((f) => f.dropReason === 'UNENCRYPTED_TRAFFIC')).toBe(true);
    expect(flows.some((f) => f.encrypted)).toBe(true);
    expect(flows.some((f) => f.path === 'inter-node' && !f.encrypted && f.verdict === 'FORWARDED')).toBe(true);

    // 1. the fabric's path is the classifier's, read back from the printed endpoints
    for (const f of flows) expect([f.source.ip, f.destination.ip, classifyPath(f.source, f.destination)]).toEqual([f.source.ip, f.destination.ip, f.path]);

    // 2. --compare counts the fabric's flows by the same classes, and its configured option (WireGuard as AKS ships
    //    it) encrypts exactly the flows the wire showed encrypted
    const wg = fabric.comparison.find((c: any) => c.scenario === 'wireguard');
    for (const p of Object.keys(fabric.summary.byPath)) expect(wg.byPath[p].total).toBe(fabric.summary.byPath[p]);
    expect(wg.encrypted).toBe(fabric.summary.encrypted);

    // 3. the Hubble reader, reading the fabric's own export, puts each flow in the same class
    const hubble = (await must('traffic inspect -g rg -n c --hubble h.jsonl --compare -o json')).json();
    const key = (f: FlowJson) => `${f.source.ip}>${f.destination.ip}/${f.protocol}`;
    const fabricPaths = new Map(flows.map((f) => [key(f), f.path]));
    let compared = 0;
    for (const f of hubble.flows as FlowJson[]) {
      const p = fabricPaths.get(key(f));
      if (p === undefined) continue;
      expect([key(f), f.path]).toEqual([key(f), p]);
      compared++;
    }
    expect(compared).toBeGreaterThan(flows.length / 2);
    // and never calls a flow encrypted that the wire showed in plaintext or dropped
    const encryptedOnWire = new Set(flows.filter((f) => f.encrypted).map(key));
    for (const f of hubble.flows as FlowJson[]) if (f.encrypted) expect(encryptedOnWire.has(key(f))).toBe(true);
  });
});

describe('--compare is counterfactual', () => {
  test('an imported azure-dataplane cluster: WireGuard covers its inter-node pod flows, with the dataplane note', async () => {
    const dir = makeTempDir();
    const fixture = JSON.parse(fs.readFileSync(path.resolve('fixtures/kubectl/three-nodes.json'), 'utf8'));
    // the same cluster without Cilium: kube-proxy's world, the azure dataplane
    fixture.items = fixture.items.filter((i: any) => !(i.kind === 'Pod' && String(i.metadata.name).startsWith('cilium-')));
    const file = path.join(dir, 'azure.json');
    fs.writeFileSync(file, JSON.stringify(fixture));
    const s = session({ cwd: dir, home: path.join(dir, 'state') });
    expect((await s.run(`cluster import -g RG -n az --from-kubectl ${file} -o none`)).code).toBe(0);
    expect((await s.run('cluster show -g RG -n az --query networkProfile.networkDataplane -o tsv')).stdout.trim()).toBe('azure');
    const r = await s.run(`traffic inspect -g RG -n az --hubble ${path.resolve('fixtures/hubble/flows.jsonl')} --compare -o json`);
    expect(r.code).toBe(0);
    const j = r.json();
    const interNode = j.summary.byPath['inter-node'];
    expect(interNode).toBeGreaterThan(0);
    // nothing is encrypted today...
    expect(j.summary.encrypted).toBe(0);
    const wg = j.comparison.find((c: any) => c.scenario === 'wireguard');
    // ...and WireGuard, were it configured, would encrypt every inter-node pod flow
    expect(wg.byPath['inter-node']).toMatchObject({ total: interNode, encrypted: interNode });
    expect(wg.note).toBe(
      'needs the Cilium dataplane (the cluster uses azure): az aks update -g RG -n az --network-dataplane cilium, then az aks update -g RG -n az --enable-acns --acns-transit-encryption-type WireGuard',
    );
    expect(j.comparison.find((c: any) => c.scenario === 'none').note).toBeUndefined();
    // the table says so too
    const table = await s.run(`traffic inspect -g RG -n az --hubble ${path.resolve('fixtures/hubble/flows.jsonl')} --compare`);
    expect(table.stdout).toContain('note: WireGuard (AKS): needs the Cilium dataplane');
  });
});
