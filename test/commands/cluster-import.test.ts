/** `cluster import` end to end through main(): the cluster it builds, warnings, errors with locations, no partial state. */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const FIX = path.resolve('fixtures/kubectl');
const IMPORT = `cluster import -g RG -n prod --from-kubectl ${FIX}/three-nodes.json --ciliumnodes ${FIX}/ciliumnodes.json`;

describe('cluster import', () => {
  test('builds the cluster from the 3-node list: nodes, pools, VM sizes, WireGuard, pods and services', async () => {
    const s = session();
    const r = await s.run(IMPORT);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'Imported 3 nodes in 2 pools, 9 running pods (0 pending), 3 services; 3 nodes with a published WireGuard key (simulation keys are used on the simulated wire)\n',
    );
    const mc = r.json();
    expect(mc.location).toBe('westeurope');
    expect(mc.kubernetesVersion).toBe('1.33.2');
    expect(mc.agentPoolProfiles.map((p: any) => [p.name, p.count, p.mode, p.vmSize])).toEqual([
      ['nodepool1', 2, 'System', 'Standard_D4s_v5'],
      ['userpool', 1, 'User', 'Standard_DS2_v2'],
    ]);
    expect(mc.networkProfile).toMatchObject({
      networkPlugin: 'azure',
      networkPluginMode: 'overlay',
      networkDataplane: 'cilium',
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.0.0.0/16',
      dnsServiceIp: '10.0.0.10',
      advancedNetworking: { enabled: true, security: { enabled: true, transitEncryption: { type: 'WireGuard' } } },
    });
    // the imported cluster works with the other commands
    const nodes = await s.run('nodepool list -g RG --cluster-name prod');
    expect(nodes.code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/prod.json'), 'utf8')).data;
    expect(doc.nodes.map((n: any) => [n.name, n.ip, n.podCidr, n.pool, n.instance, n.vmSize])).toEqual([
      ['aks-nodepool1-31415926-vmss000000', '10.224.0.4', '10.244.0.0/24', 'nodepool1', 0, 'Standard_D4s_v5'],
      ['aks-nodepool1-31415926-vmss000001', '10.224.0.5', '10.244.1.0/24', 'nodepool1', 1, 'Standard_D4s_v5'],
      ['aks-userpool-31415926-vmss000000', '10.224.0.6', '10.244.2.0/24', 'userpool', 0, 'Standard_DS2_v2'],
    ]);
    expect(doc.nodeNameHash).toBe('31415926');
    const imported = JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/prod/imported.json'), 'utf8')).data;
    expect(imported.nodes['aks-nodepool1-31415926-vmss000000'].publicKey).toBe('zDIljPSwOVICwpO5ShHU+pAb8zHFj1eChSh0Ng2O5nc=');
    const workloads = JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/prod/workloads.json'), 'utf8')).data;
    expect(workloads.controllers.map((c: any) => `${c.kind}/${c.namespace}/${c.name}:${c.replicas}`).sort()).toEqual([
      'DaemonSet/kube-system/cilium:3',
      'Deployment/kube-system/coredns:2',
      'Deployment/shop/web:2',
    ]);
    // a DaemonSet on only some nodes (a node selector the export does not show) keeps its pods as they are
    expect(workloads.pods.map((p: any) => p.name)).toEqual(['client', 'node-exporter-4kqzp']);
    // later commands keep the imported add-ons: nothing aks-wg would install is added, DaemonSets follow new nodes
    expect((await s.run('nodepool add -g RG --cluster-name prod -n extra -c 1 -o none')).code).toBe(0);
    const pods = (await s.run('kubectl get pods -A -o json --context RG/prod')).json().items.map((p: any) => p.metadata.name);
    expect(pods.filter((n: string) => n.startsWith('cilium-'))).toHaveLength(4);
    expect(pods.filter((n: string) => !n.startsWith('cilium-'))).toEqual([
      'coredns-6d8f7b9c5-q9z7m',
      'coredns-6d8f7b9c5-x2k4p',
      'node-exporter-4kqzp',
      'client',
      'web-5b8c7d9f4-hw7tx',
      'web-5b8c7d9f4-kd2vn',
    ]);
    // the views show the real published key beside the simulation's
    const listed = (await s.run('node list -g RG -n prod')).json();
    expect(listed[0].importedPublicKey).toBe('zDIljPSwOVICwpO5ShHU+pAb8zHFj1eChSh0Ng2O5nc=');
    expect(listed[0].publicKey).not.toBe(listed[0].importedPublicKey);
    const cn = (await s.run('kubectl get ciliumnode aks-nodepool1-31415926-vmss000000 -o json --context RG/prod')).json();
    expect(cn.metadata.annotations).toEqual({ 'aks-wg.io/imported-wg-pub-key': 'zDIljPSwOVICwpO5ShHU+pAb8zHFj1eChSh0Ng2O5nc=', 'network.cilium.io/wg-pub-key': listed[0].publicKey });
    // every node (the three imported ones and the one added) has an agent with a (simulation) key file
    const files = listFiles(s.env.home).filter((f) => f.endsWith('cilium_wg0.key'));
    expect(files).toHaveLength(4);
  });

  test('a node whose CiliumNode has no key runs without WireGuard, and flows to it stay plaintext', async () => {
    const s = session();
    const cn = JSON.parse(fs.readFileSync(`${FIX}/ciliumnodes.json`, 'utf8'));
    delete cn.items[2].metadata.annotations;
    const file = path.join(makeTempDir(), 'cn.json');
    fs.writeFileSync(file, JSON.stringify(cn));
    const r = await s.run(`cluster import -g RG -n part --from-kubectl ${FIX}/three-nodes.json --ciliumnodes ${file} -o none`);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('; 2 nodes with a published WireGuard key');
    const nodes = (await s.run('node list -g RG -n part')).json();
    expect(nodes.map((n: any) => [n.name, n.encryption, n.importedPublicKey === null])).toEqual([
      ['aks-nodepool1-31415926-vmss000000', 'Wireguard', false],
      ['aks-nodepool1-31415926-vmss000001', 'Wireguard', false],
      ['aks-userpool-31415926-vmss000000', 'Disabled', true],
    ]);
    const h = (await s.run(`traffic inspect -g RG -n part --hubble ${path.resolve('fixtures/hubble/flows.jsonl')} -o json`)).json();
    const inter = h.flows.filter((f: any) => f.path === 'inter-node');
    const touchesUserpool = (f: any) => [f.source.node, f.destination.node].includes('aks-userpool-31415926-vmss000000');
    expect(inter.filter(touchesUserpool).every((f: any) => !f.encrypted)).toBe(true);
    expect(inter.filter((f: any) => !touchesUserpool(f)).every((f: any) => f.encrypted)).toBe(true);
    // the simulated wire agrees: pod traffic to the keyless node leaves eth0 in plaintext
    const sim = (await s.run('traffic inspect -g RG -n part --from shop/client --to shop/web-5b8c7d9f4-kd2vn -o json')).json();
    expect(sim.flows[0]).toMatchObject({ path: 'inter-node', encrypted: false });
    const enc = (await s.run('traffic inspect -g RG -n part --from shop/client --to shop/web-5b8c7d9f4-hw7tx -o json')).json();
    expect(enc.flows[0]).toMatchObject({ path: 'inter-node', encrypted: true });
  });

  test('warnings name what was skipped; a pod on a missing node is an error line but the rest is imported', async () => {
    const s = session();
    const r = await s.run(`cluster import -g RG -n messy --from-kubectl ${FIX}/messy.json -o none`);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain(`WARNING: ${FIX}/messy.json items[15] ConfigMap kube-system/coredns-custom: kind ConfigMap is not imported (only Node, Pod and Service); skipped`);
    expect(lines).toContain(
      `ERROR: ${FIX}/messy.json items[16] Pod shop/orphan: its node aks-nodepool1-31415926-vmss000009 is not in the list (export nodes and pods together: kubectl get nodes,pods,services -A -o json); pod skipped`,
    );
    expect(lines[lines.length - 1]).toBe('Imported 3 nodes in 2 pools, 9 running pods (1 pending), 4 services');
  });

  test.each([
    ['truncated', `${FIX}/truncated.json`, /^ERROR: .*truncated\.json:\d+:\d+: the file ends in the middle of the document \(truncated\?\): .*; nothing was imported\n$/],
    ['not a List', 'NODE', /^ERROR: .*node\.json: expected a v1 List \(kind: List with "items"\), found kind Node \(v1\); a single object cannot be imported/],
    ['missing', '/nonexistent/x.json', /^ERROR: --from-kubectl \/nonexistent\/x\.json: no such file\n$/],
  ])('%s input: exit 1, a located error, nothing stored', async (_what, file, message) => {
    const s = session();
    let f = file;
    if (file === 'NODE') {
      f = path.join(makeTempDir(), 'node.json');
      fs.writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }));
    }
    const r = await s.run(`cluster import -g RG -n bad --from-kubectl ${f}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(s.env.home, 'clusters'))).toBe(false);
  });

  test('an existing cluster is not overwritten', async () => {
    const s = session();
    expect((await s.run(`${IMPORT} -o none`)).code).toBe(0);
    const before = listFiles(s.env.home).filter((f) => !f.startsWith('.'));
    const again = await s.run(`${IMPORT} -o none`);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^ERROR: The cluster 'prod' under resource group 'RG' already exists/);
    expect(listFiles(s.env.home).filter((f) => !f.startsWith('.'))).toEqual(before);
  });
});
