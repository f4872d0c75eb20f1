/**
 * Issue 12 items 7 and 8 on the simulated side: `--to svc/NS/NAME` evaluates every backend (a row each, never the
 * source pod: kube-proxy/Cilium spread a client's connections over the endpoints); the `kubernetes` service and
 * its ClusterIP lead to the API server, which AKS runs outside the cluster (external, not WireGuard); a node's
 * Cilium router (.1, CiliumInternalIP) and health (.2) addresses are the node's agent, not pods (cilium.md: node
 * addresses carry no key without node encryption; AllowedIPs hold the node IP and its pod IPs).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: nginx:1.27, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;

async function cluster() {
  const dir = makeTempDir();
  fs.writeFileSync(path.join(dir, 'web.yaml'), WEB);
  const s = session({ cwd: dir, seed: 'targets' });
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3 -o none')).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
  expect((await s.run('kubectl apply -f web.yaml')).code).toBe(0);
  const pods = (await s.run('kubectl get pods -l app=web -o json')).json().items as { metadata: { name: string }; status: { podIP: string } }[];
  return { s, pods };
}

interface Row {
  source: { name: string; ip: string };
  destination: { kind: string; name: string | null; ip: string; node: string | null };
  service: string | null;
  port: number | null;
  path: string;
  encrypted: boolean;
  reason: string;
}

describe('--to svc/NS/NAME: every backend, never the source (issue 12 item 7)', () => {
  test('from a pod outside the service: one row per backend', async () => {
    const { s, pods } = await cluster();
    const client = (await s.run('kubectl get pods -n kube-system -l k8s-app=kube-dns -o json')).json().items[0].metadata.name;
    const r = await s.run(`traffic inspect -g RG -n C --from kube-system/${client} --to svc/default/web -o json`);
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows.map((f) => f.destination.name).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    expect(rows.every((f) => f.service === 'default/web' && f.port === 8080)).toBe(true);
  });

  test('from a backend of the service itself: the other backends, not itself', async () => {
    const { s, pods } = await cluster();
    const self = pods[0]!.metadata.name;
    const r = await s.run(`traffic inspect -g RG -n C --from default/${self} --to svc/default/web -o json`);
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows).toHaveLength(pods.length - 1);
    expect(rows.map((f) => f.destination.name)).not.toContain(self);
  });
});

describe('the API server and the Cilium router and health addresses (issue 12 item 8)', () => {
  test.each(['svc/default/kubernetes', '10.0.0.1'])('pod → %s: external, to the API server outside the cluster, not WireGuard', async (to) => {
    const { s, pods } = await cluster();
    const r = await s.run(`traffic inspect -g RG -n C --from default/${pods[0]!.metadata.name} --to ${to} -o json`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [row] = r.json().flows as Row[];
    expect(row).toMatchObject({ service: 'default/kubernetes', port: 443, path: 'external', encrypted: false, destination: { kind: 'external', name: 'kube-apiserver', ip: '203.0.113.10' } });
    expect(row!.reason).toBe('the Kubernetes API server (default/kubernetes) runs outside the cluster on AKS: no WireGuard peer owns 203.0.113.10; left eth0 as TLS, not WireGuard');
  });

  test("pod → another node's router (.1) and health (.2) addresses: that node's agent, to-node, plaintext", async () => {
    const { s, pods } = await cluster();
    const nodes = (await s.run('kubectl get ciliumnodes -o json')).json().items as { metadata: { name: string }; spec: { addresses: { ip: string; type: string }[]; health: { ipv4: string } } }[];
    const src = (await s.run(`kubectl get pod ${pods[0]!.metadata.name} -o json`)).json();
    const other = nodes.find((n) => n.metadata.name !== src.spec.nodeName)!;
    const router = other.spec.addresses.find((a) => a.type === 'CiliumInternalIP')!.ip;
    for (const [ip, name] of [[router, other.metadata.name], [other.spec.health.ipv4, 'cilium-health']] as const) {
      const r = await s.run(`traffic inspect -g RG -n C --from default/${pods[0]!.metadata.name} --to ${ip} -o json`);
      expect({ ip, code: r.code, stderr: r.stderr }).toEqual({ ip, code: 0, stderr: '' });
      const [row] = r.json().flows as Row[];
      expect(row).toMatchObject({ path: 'to-node', encrypted: false, destination: { kind: 'node', ip, node: other.metadata.name, name } });
    }
  });

  test('the API server flow reads back from --export-hubble as the same flow', async () => {
    const { s, pods } = await cluster();
    const file = path.join(makeTempDir(), 'h.jsonl');
    expect((await s.run(`traffic inspect -g RG -n C --from default/${pods[0]!.metadata.name} --to svc/default/kubernetes --export-hubble ${file} -o none`)).code).toBe(0);
    const back = await s.run(`traffic inspect -g RG -n C --hubble ${file} -o json`);
    expect(back.stderr).not.toContain('WARNING');
    const flows = back.json().flows;
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ path: 'external', encrypted: false, destination: { name: 'kube-apiserver', identity: 7 } });
  });
});
