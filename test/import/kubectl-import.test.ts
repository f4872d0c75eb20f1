import * as fs from 'node:fs';
import { planImport } from '../../src/import/kubectl-import.js';

const read = (f: string) => ({ text: fs.readFileSync(f, 'utf8'), file: f });

describe('kubectl import plan', () => {
  it('reads the 3-node list: nodes, pools, VM sizes, pods with hostNetwork and owners, services', () => {
    const p = planImport(read('fixtures/kubectl/three-nodes.json'));
    expect(p.diagnostics).toEqual([]);
    expect(p.nodes.map((n) => [n.name, n.ip, n.podCidrs, n.pool, n.mode, n.vmSize])).toEqual([
      ['aks-nodepool1-31415926-vmss000000', '10.224.0.4', ['10.244.0.0/24'], 'nodepool1', 'System', 'Standard_D4s_v5'],
      ['aks-nodepool1-31415926-vmss000001', '10.224.0.5', ['10.244.1.0/24'], 'nodepool1', 'System', 'Standard_D4s_v5'],
      ['aks-userpool-31415926-vmss000000', '10.224.0.6', ['10.244.2.0/24'], 'userpool', 'User', 'Standard_DS2_v2'],
    ]);
    expect(p.nodes[0]).toMatchObject({ region: 'westeurope', kubeletVersion: 'v1.33.2', controlPlane: false, wgPublicKey: null });
    expect(p.pods).toHaveLength(9);
    const cilium = p.pods.filter((x) => x.name.startsWith('cilium-'));
    expect(cilium.map((x) => [x.hostNetwork, x.ip, x.owner])).toEqual([
      [true, '10.224.0.4', { kind: 'DaemonSet', name: 'cilium', hash: '6b8f5d7c9' }],
      [true, '10.224.0.5', { kind: 'DaemonSet', name: 'cilium', hash: '6b8f5d7c9' }],
      [true, '10.224.0.6', { kind: 'DaemonSet', name: 'cilium', hash: '6b8f5d7c9' }],
    ]);
    const web = p.pods.find((x) => x.name === 'web-5b8c7d9f4-hw7tx')!;
    expect(web).toMatchObject({ namespace: 'shop', node: 'aks-nodepool1-31415926-vmss000001', ip: '10.244.1.20', hostNetwork: false, owner: { kind: 'Deployment', name: 'web', hash: '5b8c7d9f4' } });
    expect(web.containers[0]!.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(p.pods.find((x) => x.name === 'client')!.owner).toBeNull();
    expect(p.services.map((s) => [`${s.namespace}/${s.name}`, s.clusterIP, s.selector])).toEqual([
      ['default/kubernetes', '10.0.0.1', null],
      ['kube-system/kube-dns', '10.0.0.10', { 'k8s-app': 'kube-dns' }],
      ['shop/web', '10.0.142.17', { app: 'web' }],
    ]);
    expect(p.services[2]!.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('takes public keys and pod CIDRs from CiliumNodes', () => {
    const p = planImport(read('fixtures/kubectl/three-nodes.json'), read('fixtures/kubectl/ciliumnodes.json'));
    expect(p.diagnostics).toEqual([]);
    expect(p.ciliumNodes).toBe(3);
    expect(p.nodes.map((n) => n.wgPublicKey)).toEqual([
      'zDIljPSwOVICwpO5ShHU+pAb8zHFj1eChSh0Ng2O5nc=',
      'jwB0JXCtUAemqrpod1R86it+DQ3yq2X/mJKTj/5+tuk=',
      'XWLV+Tplr0C4JAhyD9Q/BsJyMRPAUKtuTWQdu+I+SfQ=',
    ]);
    expect(p.nodes.every((n) => n.encryptionKey === 255)).toBe(true);
  });

  it('turns what it cannot map into diagnostics that name the object', () => {
    const p = planImport(read('fixtures/kubectl/messy.json'));
    const f = 'fixtures/kubectl/messy.json';
    expect(p.diagnostics).toEqual([
      { severity: 'warning', location: `${f} items[15] ConfigMap kube-system/coredns-custom`, message: 'kind ConfigMap is not imported (only Node, Pod and Service); skipped' },
      { severity: 'warning', location: `${f} items[21] Node virtual-node-aci-linux`, message: 'no IPv4 InternalIP in status.addresses; skipped' },
      { severity: 'warning', location: `${f} items[22]`, message: 'not an object; skipped' },
      {
        severity: 'error',
        location: `${f} items[16] Pod shop/orphan`,
        message: 'its node aks-nodepool1-31415926-vmss000009 is not in the list (export nodes and pods together: kubectl get nodes,pods,services -A -o json); pod skipped',
      },
      { severity: 'warning', location: `${f} items[17] Pod shop/migrate-29391840-x7k2p`, message: 'phase Succeeded: the pod has finished; skipped' },
      { severity: 'warning', location: `${f} items[19] Service shop/web-headless`, message: 'headless service (clusterIP: None): clients reach the pods directly; skipped' },
      { severity: 'warning', location: `${f} items[20] Service shop/web-public`, message: 'type LoadBalancer: imported as its ClusterIP only (node ports and load balancers are not simulated)' },
    ]);
    expect(p.nodes).toHaveLength(3);
    expect(p.pods.find((x) => x.name === 'pending-0')).toMatchObject({ node: null, ip: null });
    expect(p.services.map((s) => s.name)).toEqual(['kubernetes', 'kube-dns', 'web', 'web-public']);
  });

  it('reports a truncated file with its line and column', () => {
    const p = planImport(read('fixtures/kubectl/truncated.json'));
    expect(p.nodes).toEqual([]);
    expect(p.diagnostics).toHaveLength(1);
    const lines = fs.readFileSync('fixtures/kubectl/truncated.json', 'utf8').split('\n');
    expect(p.diagnostics[0]!.location).toBe(`fixtures/kubectl/truncated.json:${lines.length}:${lines[lines.length - 1]!.length + 1}`);
    expect(p.diagnostics[0]!.message).toMatch(/^the file ends in the middle of the document \(truncated\?\)/);
  });

  it.each([
    ['not JSON', 'hello', /^f\.json:1:1$/, /^not valid JSON/],
    ['YAML', 'apiVersion: v1\nkind: List\nitems: []\n', /^f\.json:1:1$/, /looks like YAML: use -o json/],
    ['a JSON syntax error', '{\n  "kind": "List",\n  "items": [}\n', /^f\.json:3:13$/, /^not valid JSON/],
    ['an array', '[]', /^f\.json$/, /^expected a JSON object \(a v1 List .*\), found an array$/],
    ['a single Node', '{"apiVersion":"v1","kind":"Node","metadata":{"name":"x"}}', /^f\.json$/, /found kind Node \(v1\); a single object cannot be imported/],
    ['an empty file', '', /^f\.json$/, /^the file is empty/],
    ['a List without nodes', '{"apiVersion":"v1","kind":"List","items":[]}', /^f\.json$/, /^no usable Node in the list/],
  ])('rejects %s with a located error', (_what, text, loc, msg) => {
    const p = planImport({ text, file: 'f.json' });
    expect(p.nodes).toEqual([]);
    const err = p.diagnostics.find((d) => d.severity === 'error')!;
    expect(err.location).toMatch(loc);
    expect(err.message).toMatch(msg);
  });

  it('rejects duplicate and malformed WireGuard keys as Cilium does', () => {
    const cn = JSON.parse(fs.readFileSync('fixtures/kubectl/ciliumnodes.json', 'utf8'));
    cn.items[1].metadata.annotations['network.cilium.io/wg-pub-key'] = cn.items[0].metadata.annotations['network.cilium.io/wg-pub-key'];
    cn.items[2].metadata.annotations = { 'io.cilium.network.wg-pub-key': 'bm90IGEga2V5' };
    const p = planImport(read('fixtures/kubectl/three-nodes.json'), { text: JSON.stringify(cn), file: 'cn.json' });
    expect(p.diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['error', 'detected duplicate public key. node "aks-nodepool1-31415926-vmss000001" uses same key as existing node "aks-nodepool1-31415926-vmss000000"; imported without a key'],
      ['warning', 'annotation network.cilium.io/wg-pub-key is not a base64 32-byte key; the node is imported without a key'],
    ]);
    expect(p.nodes.map((n) => n.wgPublicKey !== null)).toEqual([true, false, false]);
  });
});
