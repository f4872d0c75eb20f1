/** kubectl get/apply/delete, get-credentials and contexts, end to end through main(). */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { SimClock } from '../../src/platform/clock.js';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { cidrContains, parseCidr, parseIPv4 } from '../../src/net/ip.js';

afterEach(removeTempDirs);

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: tools
  labels: {app: client}
spec:
  containers:
  - {name: curl, image: curlimages/curl}
---
apiVersion: v1
kind: Pod
metadata:
  name: hostpod
spec:
  hostNetwork: true
  containers:
  - {name: c, image: busybox}
`;

async function ready(flags = '--enable-wireguard') {
  const dir = makeTempDir();
  const s = session({ cwd: dir });
  expect((await s.run(`cluster create -g RG -n C ${flags}`)).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const state = () => listFiles(s.env.home).filter((f) => !f.startsWith('.')).map((f) => [f, fs.readFileSync(path.join(s.env.home, f), 'utf8')]);
  return { s, dir, write, state };
}

const lines = (text: string) => text.split('\n').filter(Boolean);
const cols = (line: string) => line.split(/\s{2,}/);

describe('get-credentials and contexts', () => {
  test('merges the context, prints az\'s line on stderr, and kubectl uses it', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster get-credentials -g RG -n C');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', `Merged "C" as current context in ${path.join(s.env.home, 'config.json')}\n`]);
    expect(JSON.parse(fs.readFileSync(path.join(s.env.home, 'config.json'), 'utf8')).data).toEqual({
      currentContext: 'C',
      contexts: { C: { resourceGroup: 'RG', cluster: 'C' } },
    });
    expect(lines((await s.run('kubectl get nodes')).stdout)).toHaveLength(4);
  });

  test('no context: one-line error, exit 1; --context RG/NAME works without one', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C -c 2');
    const r = await s.run('kubectl get pods');
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toBe("error: no current context is set: run 'aks-wg cluster get-credentials -g RG -n NAME' or pass --context RG/NAME\n");
    const ok = await s.run('kubectl get nodes --context RG/C');
    expect([ok.code, lines(ok.stdout).length]).toEqual([0, 3]);
    const bad = await s.run('kubectl get nodes --context nope');
    expect([bad.code, lines(bad.stderr).length]).toEqual([1, 1]);
    const gone = await s.run('kubectl get nodes --context RG/other');
    expect([gone.code, gone.stderr]).toEqual([1, "error: the context's cluster RG/other does not exist (run 'aks-wg cluster get-credentials' for another cluster)\n"]);
  });

  test('--context overrides the current context; get-credentials on a missing cluster is not found (3)', async () => {
    const s = session();
    await s.run('cluster create -g RG -n A -c 1');
    await s.run('cluster create -g RG -n B -c 2');
    await s.run('cluster get-credentials -g RG -n B');
    await s.run('cluster get-credentials -g RG -n A');
    expect(lines((await s.run('kubectl get nodes')).stdout)).toHaveLength(2);
    expect(lines((await s.run('kubectl get nodes --context RG/B')).stdout)).toHaveLength(3);
    expect(lines((await s.run('kubectl get nodes --context B')).stdout)).toHaveLength(3);
    expect((await s.run('cluster get-credentials -g RG -n nope')).code).toBe(3);
  });
});

describe('kubectl get', () => {
  test('pods -A: kubectl columns, sorted by namespace and name; -o wide adds IP and NODE', async () => {
    const { s } = await ready();
    const out = lines((await s.run('kubectl get pods -A')).stdout);
    expect(out[0]).toMatch(/^NAMESPACE     NAME {30,}READY   STATUS    RESTARTS   AGE$/);
    expect(out.slice(1).every((l) => /^kube-system   \S+\s+1\/1     Running   0          0s$/.test(l))).toBe(true);
    const wide = lines((await s.run('kubectl get po -A -o wide')).stdout);
    expect(cols(wide[0]!)).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const cilium = wide.filter((l) => /^kube-system\s+cilium-[a-z0-9]{5}\s/.test(l));
    expect(cilium).toHaveLength(3);
    for (const l of cilium) expect(cols(l)[6]).toMatch(/^10\.224\.0\.[456]$/);
    const coredns = wide.filter((l) => /\scoredns-/.test(l)).map(cols);
    for (const c of coredns) expect(cidrContains(parseCidr('10.244.0.0/16'), parseIPv4(c[6]!))).toBe(true);
  });

  test('exact layout of a small listing', async () => {
    const { s } = await ready();
    const r = await s.run('kubectl get svc -n kube-system kube-dns');
    expect(r.stdout).toBe(
      'NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE\n' + 'kube-dns   ClusterIP   10.0.0.10    <none>        53/UDP,53/TCP   0s\n',
    );
    const cn = lines((await s.run('kubectl get cn')).stdout);
    expect(cn[0]).toBe('NAME                                CILIUMINTERNALIP   INTERNALIP   AGE');
    expect(cols(cn[1]!).slice(1)).toEqual(['10.244.0.1', '10.224.0.4', '0s']);
    const nodes = lines((await s.run('kubectl get nodes')).stdout);
    expect(cols(nodes[0]!)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(cols(nodes[1]!).slice(1)).toEqual(['Ready', 'agent', '0s', 'v1.33.0']);
    const wide = lines((await s.run('kubectl get no -o wide')).stdout);
    expect(cols(wide[0]!)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  });

  test('AGE follows the simulated clock', async () => {
    const { s } = await ready();
    expect((await s.run('clock advance 1h30m')).code).toBe(0);
    expect(cols(lines((await s.run('kubectl get nodes')).stdout)[1]!)[3]).toBe('90m');
    await s.run('clock advance 7h');
    expect(cols(lines((await s.run('kubectl get svc')).stdout)[1]!)[5]).toBe('8h');
  });

  test('NotFound, empty namespaces, unknown types', async () => {
    const { s } = await ready();
    const nf = await s.run('kubectl get pods x');
    expect([nf.code, nf.stdout, nf.stderr]).toEqual([1, '', 'Error from server (NotFound): pods "x" not found\n']);
    const cnf = await s.run('kubectl get ciliumnode nope');
    expect(cnf.stderr).toBe('Error from server (NotFound): ciliumnodes.cilium.io "nope" not found\n');
    const empty = await s.run('kubectl get pods');
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([0, '', 'No resources found in default namespace.\n']);
    const other = await s.run('kubectl get svc -n nothing');
    expect(other.stderr).toBe('No resources found in nothing namespace.\n');
    const unknown = await s.run('kubectl get widgets');
    expect([unknown.code, unknown.stderr]).toEqual([1, 'error: the server doesn\'t have a resource type "widgets"\n']);
  });

  test('ciliumnodes exist only with the Cilium dataplane', async () => {
    const { s } = await ready('');
    const r = await s.run('kubectl get ciliumnodes');
    expect([r.code, r.stderr]).toEqual([1, 'error: the server doesn\'t have a resource type "ciliumnodes"\n']);
  });

  test('-o json is a v1 List with realistic objects; one NAME gives the object', async () => {
    const { s } = await ready();
    const list = (await s.run('kubectl get nodes -o json')).json();
    expect([list.apiVersion, list.kind, list.metadata, list.items.length]).toEqual(['v1', 'List', { resourceVersion: '' }, 3]);
    const node = list.items[0];
    expect(node.status.addresses).toEqual([
      { address: '10.224.0.4', type: 'InternalIP' },
      { address: node.metadata.name, type: 'Hostname' },
    ]);
    expect(node.spec).toMatchObject({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    expect(node.metadata.labels).toMatchObject({ agentpool: 'nodepool1', 'kubernetes.io/hostname': node.metadata.name, 'kubernetes.io/os': 'linux' });
    const raw = (await s.run('kubectl get nodes -o json')).stdout;
    expect(raw.split('\n')[1]).toBe('    "apiVersion": "v1",');

    const pods = (await s.run('kubectl get pods -n kube-system -o json')).json().items;
    const cilium = pods.find((p: any) => p.metadata.name.startsWith('cilium-') && !p.metadata.name.startsWith('cilium-operator'));
    expect(cilium.spec.hostNetwork).toBe(true);
    expect(cilium.status.podIP).toBe(cilium.status.hostIP);
    expect(cilium.metadata.ownerReferences[0]).toMatchObject({ kind: 'DaemonSet', name: 'cilium' });
    const dns = pods.find((p: any) => p.metadata.name.startsWith('coredns-'));
    expect(dns.spec.hostNetwork).toBeUndefined();
    expect(dns.status.podIPs).toEqual([{ ip: dns.status.podIP }]);
    expect(dns.status.podIP).not.toBe(dns.status.hostIP);
    expect(dns.metadata.ownerReferences[0].kind).toBe('ReplicaSet');
    const one = (await s.run(`kubectl get pod ${dns.metadata.name} -n kube-system -o json`)).json();
    expect([one.kind, one.metadata.name]).toEqual(['Pod', dns.metadata.name]);
    const svc = (await s.run('kubectl get svc kube-dns -n kube-system -o json')).json();
    expect(svc.spec).toMatchObject({ clusterIP: '10.0.0.10', type: 'ClusterIP', selector: { 'k8s-app': 'kube-dns' } });
    expect(svc.spec.ports).toEqual([
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    ]);
  });

  test('ciliumnode -o yaml: the CiliumNode shape of the reference', async () => {
    const { s } = await ready();
    const name = cols(lines((await s.run('kubectl get cn')).stdout)[2]!)[0]!;
    const y = (await s.run(`kubectl get ciliumnode ${name} -o yaml`)).stdout;
    expect(y.startsWith('apiVersion: cilium.io/v2\nkind: CiliumNode\n')).toBe(true);
    const { parse } = await import('yaml');
    const o = parse(y);
    expect(o.spec.addresses).toEqual([
      { ip: '10.224.0.5', type: 'InternalIP' },
      { ip: '10.244.1.1', type: 'CiliumInternalIP' },
    ]);
    expect(o.spec.health).toEqual({ ipv4: '10.244.1.2' });
    expect(o.spec.ipam.podCIDRs).toEqual(['10.244.1.0/24']);
    expect(o.metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'v1', kind: 'Node', name });
    expect(o.metadata.labels['kubernetes.io/hostname']).toBe(name);
  });

  test('-o yaml list, -o name, -l selector', async () => {
    const { s } = await ready();
    const { parse } = await import('yaml');
    const y = parse((await s.run('kubectl get svc -A -o yaml')).stdout);
    expect([y.kind, y.items.length]).toEqual(['List', 5]);
    expect((await s.run('kubectl get svc -n kube-system -o name')).stdout.split('\n')[0]).toBe('service/hubble-peer');
    const sel = lines((await s.run('kubectl get pods -n kube-system -l k8s-app=kube-dns')).stdout);
    expect(sel.slice(1).every((l) => l.startsWith('coredns-'))).toBe(true);
    expect(sel).toHaveLength(3);
  });
});

describe('kubectl apply and delete', () => {
  test('apply creates, re-apply is unchanged, a change is configured', async () => {
    const { s, write } = await ready();
    write('web.yaml', WEB);
    const r = await s.run('kubectl apply -f web.yaml');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'deployment.apps/web created\nservice/web created\npod/client created\npod/hostpod created\n', '']);
    const again = await s.run('kubectl apply -f web.yaml');
    expect(again.stdout).toBe('deployment.apps/web unchanged\nservice/web unchanged\npod/client unchanged\npod/hostpod unchanged\n');
    write('web.yaml', WEB.replace('replicas: 4', 'replicas: 6'));
    expect((await s.run('kubectl apply -f web.yaml')).stdout.split('\n')[0]).toBe('deployment.apps/web configured');
    const pods = (await s.run('kubectl get pods -o json')).json().items;
    expect(pods.filter((p: any) => p.metadata.labels.app === 'web')).toHaveLength(6);
    const host = pods.find((p: any) => p.metadata.name === 'hostpod');
    expect(host.status.podIP).toBe(host.status.hostIP);
    expect(host.status.podIP).toMatch(/^10\.224\.0\./);
    const client = (await s.run('kubectl get pod client -n tools -o json')).json();
    expect(client.status.podIP).toMatch(/^10\.244\./);
    const deploy = lines((await s.run('kubectl get deploy')).stdout);
    expect(cols(deploy[1]!)).toEqual(['web', '6/6', '6', '6', '0s']);
    const svc = (await s.run('kubectl get svc web -o json')).json();
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]);
  });

  test('a template change replaces every pod of the deployment', async () => {
    const { s, write } = await ready();
    write('web.yaml', WEB);
    await s.run('kubectl apply -f web.yaml');
    const names = async () => (await s.run('kubectl get pods -l app=web -o name')).stdout;
    const before = await names();
    write('web.yaml', WEB.replace('nginx:1.27', 'nginx:1.28'));
    expect((await s.run('kubectl apply -f web.yaml')).stdout.split('\n')[0]).toBe('deployment.apps/web configured');
    const after = await names();
    expect(lines(after)).toHaveLength(4);
    for (const n of lines(before)) expect(after).not.toContain(n);
  });

  test('JSON, v1 List and stdin', async () => {
    const { s } = await ready();
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { nodeName: 'aks-nodepool1-54450501-vmss000002', containers: [{ name: 'c', image: 'x' }] } },
      ],
    };
    const doc = (await s.run('kubectl get nodes -o name')).stdout;
    const node = lines(doc)[2]!.replace('node/', '');
    list.items[1]!.spec = { nodeName: node, containers: [{ name: 'c', image: 'x' }] } as any;
    const env = { ...s.env };
    const { run } = await import('../helpers/cli.js');
    const { Readable } = await import('node:stream');
    const withStdin = { ...env, stdin: Object.assign(Readable.from([JSON.stringify(list)]), { isTTY: false }) };
    const r = await run('kubectl apply -f -', { env: withStdin as any });
    expect([r.code, r.stdout]).toEqual([0, 'pod/a created\npod/b created\n']);
    const b = (await s.run('kubectl get pod b -o json')).json();
    expect(b.spec.nodeName).toBe(node);
  });

  test('delete -f removes objects and their pods; missing ones are NotFound, exit 1', async () => {
    const { s, write } = await ready();
    write('web.yaml', WEB);
    await s.run('kubectl apply -f web.yaml');
    const r = await s.run('kubectl delete -f web.yaml');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'deployment.apps "web" deleted\nservice "web" deleted\npod "client" deleted\npod "hostpod" deleted\n', '']);
    expect((await s.run('kubectl get pods')).stderr).toBe('No resources found in default namespace.\n');
    const again = await s.run('kubectl delete -f web.yaml');
    expect(again.code).toBe(1);
    expect(lines(again.stderr)[0]).toBe('Error from server (NotFound): error when deleting "web.yaml": deployments.apps "web" not found');
    expect((await s.run('kubectl delete -f web.yaml --ignore-not-found')).code).toBe(0);
  });

  const BAD: [string, string, RegExp][] = [
    ['yaml syntax', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: [\n', /^error: error parsing bad\.yaml: yaml: line \d+: .+$/],
    ['unknown kind', 'apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n', /^error: resource mapping not found for name: "w" namespace: "default" from "bad\.yaml": no matches for kind "Widget" in version "v1"$/],
    ['missing name', 'apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [{name: c, image: x}]}\n', /resource name may not be empty$/],
    ['bad namespace', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: Bad_NS}\nspec: {containers: [{name: c, image: x}]}\n', /^The Pod "x" is invalid: metadata\.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label/],
    ['unknown node', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {nodeName: nope, containers: [{name: c, image: x}]}\n', /spec\.nodeName: Not found: "nope"/],
    ['no containers', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n', /^The Pod "x" is invalid: spec\.containers: Required value$/],
    ['selector mismatch', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: c}}\n    spec: {containers: [{name: c, image: x}]}\n', /selector` does not match template `labels`/],
    ['NodePort', 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, ports: [{port: 80}]}\n', /spec\.type: Unsupported value: "NodePort"/],
    ['bad JSON', '{"apiVersion": "v1", "kind": "Pod",\n "metadata": {"name": }}', /^error: error parsing bad\.yaml: json: line 2: /],
    ['scalar document', 'just a string\n', /^error: error parsing bad\.yaml: document 2 is not a Kubernetes object/],
  ];

  test.each(BAD)('%s: one-line error, exit 1, no state change — even when the file also has good objects', async (_what, text, message) => {
    const { s, write, state } = await ready();
    const before = state();
    const good = 'apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec: {containers: [{name: c, image: x}]}\n';
    write('bad.yaml', text.startsWith('{') ? text : `${good}---\n${text}`);
    const r = await s.run('kubectl apply -f bad.yaml');
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(state()).toEqual(before);
  });

  test('a missing file', async () => {
    const { s } = await ready();
    const r = await s.run('kubectl apply -f nope.yaml');
    expect([r.code, r.stderr]).toEqual([1, 'error: the path "nope.yaml" does not exist\n']);
  });
});

describe('namespaces and delete by name', () => {
  test('Namespace manifests, kubectl get ns, deleting a namespace deletes what is in it', async () => {
    const { s, write } = await ready();
    write('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n---\n' + WEB);
    const r = await s.run('kubectl apply -f ns.yaml');
    expect(lines(r.stdout)[0]).toBe('namespace/tools created');
    expect(lines((await s.run('kubectl apply -f ns.yaml')).stdout)[0]).toBe('namespace/tools unchanged');
    const ns = lines((await s.run('kubectl get ns')).stdout);
    expect(ns.map((l) => cols(l)[0])).toEqual(['NAME', 'default', 'kube-node-lease', 'kube-public', 'kube-system', 'tools']);
    expect(cols(ns[5]!)).toEqual(['tools', 'Active', '0s']);
    write('only-ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n');
    expect((await s.run('kubectl delete -f only-ns.yaml')).stdout).toBe('namespace "tools" deleted\n');
    expect((await s.run('kubectl get pods -n tools')).stderr).toBe('No resources found in tools namespace.\n');
    const sys = await s.run('kubectl delete ns kube-system');
    expect([sys.code, sys.stderr]).toEqual([1, 'Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted\n']);
  });

  test('delete TYPE NAME and TYPE/NAME; a deleted controller pod is replaced', async () => {
    const { s, write } = await ready();
    write('web.yaml', WEB);
    await s.run('kubectl apply -f web.yaml');
    expect((await s.run('kubectl delete pod client -n tools')).stdout).toBe('pod "client" deleted\n');
    const nf = await s.run('kubectl delete pod client -n tools');
    expect([nf.code, nf.stderr]).toEqual([1, 'Error from server (NotFound): pods "client" not found\n']);
    const web = lines((await s.run('kubectl get pods -l app=web -o name')).stdout);
    expect((await s.run(['kubectl', 'delete', web[0]!])).stdout).toBe(`pod "${web[0]!.slice(4)}" deleted\n`);
    const after = lines((await s.run('kubectl get pods -l app=web -o name')).stdout);
    expect(after).toHaveLength(4);
    expect(after).not.toContain(web[0]);
    expect((await s.run('kubectl delete svc/web deploy/web')).stdout).toBe('service "web" deleted\ndeployment.apps "web" deleted\n');
    expect((await s.run('kubectl get pods -l app=web')).stderr).toBe('No resources found in default namespace.\n');
    expect((await s.run('kubectl delete pod')).stderr).toBe('error: resource(s) were provided, but no name was specified\n');
    expect((await s.run('kubectl delete')).code).toBe(1);
    expect((await s.run('kubectl delete node x')).code).toBe(1);
  });
});

describe('workloads follow the node inventory through the CLI', () => {
  test('nodepool add/scale/delete: DaemonSet pods on every node, no pod on a removed node, replicas kept', async () => {
    const { s, write } = await ready();
    write('web.yaml', WEB);
    await s.run('kubectl apply -f web.yaml');
    const check = async (nodes: number) => {
      const nodeNames = lines((await s.run('kubectl get nodes -o name')).stdout).map((l) => l.slice(5));
      expect(nodeNames).toHaveLength(nodes);
      const pods = (await s.run('kubectl get pods -A -o json')).json().items;
      const cilium = pods.filter((p: any) => p.metadata.ownerReferences?.[0]?.name === 'cilium');
      expect(cilium.map((p: any) => p.spec.nodeName).sort()).toEqual([...nodeNames].sort());
      for (const p of pods) expect(nodeNames).toContain(p.spec.nodeName);
      expect(pods.filter((p: any) => p.metadata.labels.app === 'web')).toHaveLength(4);
      const ips = pods.filter((p: any) => !p.spec.hostNetwork).map((p: any) => p.status.podIP);
      expect(new Set(ips).size).toBe(ips.length);
      const ds = cols(lines((await s.run('kubectl get ds cilium -n kube-system')).stdout)[1]!);
      expect(ds.slice(1, 4)).toEqual([String(nodes), String(nodes), String(nodes)]);
    };
    await check(3);
    expect((await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 2')).code).toBe(0);
    await check(5);
    expect((await s.run('nodepool scale -g RG --cluster-name C -n nodepool1 -c 1')).code).toBe(0);
    await check(3);
    expect((await s.run('nodepool delete -g RG --cluster-name C -n pool2')).code).toBe(0);
    await check(1);
  });

  test('the same commands give the same pods, names and IPs (deterministic spreading)', async () => {
    const one = async () => {
      const { s, write } = await ready();
      write('web.yaml', WEB);
      await s.run('kubectl apply -f web.yaml');
      return (await s.run('kubectl get pods -A -o wide')).stdout;
    };
    expect(await one()).toBe(await one());
  });
});

describe('clock', () => {
  test('show and advance, by -g/-n or the current context', async () => {
    const { s } = await ready();
    const shown = (await s.run('clock show -g RG -n C -o json')).json();
    expect(shown).toMatchObject({ time: '2026-01-01T00:00:00Z', age: '0s', elapsedMs: 0 });
    const adv = (await s.run('clock advance 90s -o json')).json();
    expect(adv).toMatchObject({ time: '2026-01-01T00:01:30Z', age: '90s', elapsed: '1m30s' });
    const table = await s.run('clock show');
    expect(lines(table.stdout)[2]).toMatch(/^RG\/C\s+2026-01-01T00:01:30Z\s+90s\s+2026-01-01T00:00:00Z$/);
  });

  test('a new cluster is 0 ms old even on a clock that moves between readings (a real one does)', async () => {
    // every reading of this clock is 1 ms later than the one before
    const ticking = new (class extends SimClock {
      override now(): number {
        this.advance(1);
        return super.now();
      }
    })();
    const s = session({ cwd: makeTempDir(), clock: ticking });
    expect((await s.run('cluster create -g RG -n C -o none')).code).toBe(0);
    expect((await s.run('clock show -g RG -n C -o json')).json()).toMatchObject({ elapsedMs: 0, age: '0s' });
  });

  test('a bad duration is a usage error naming the argument, and changes nothing', async () => {
    const { s, state } = await ready();
    const before = state();
    const r = await s.run('clock advance 10x');
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe("ERROR: argument DURATION: invalid duration value: '10x' (expected a number with a unit ms, s, m or h, e.g. 90s, 10m, 1h30m, 500ms)\n");
    expect(state()).toEqual(before);
  });

  test('no cluster and no context', async () => {
    const s = session();
    const r = await s.run('clock show');
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect((await s.run('clock show -g RG')).code).toBe(2);
  });
});
