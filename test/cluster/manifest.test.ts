/** Manifests → validated objects, and apply/delete semantics on the model (no CLI). */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as YAML from 'yaml';
import { applyManifests, deleteManifests } from '../../src/cluster/apply.js';
import { KubeError, parseManifestText, toManifest, type Manifest } from '../../src/cluster/manifest.js';
import { loadCluster, openStore } from '../../src/repo/cluster.js';
import { loadWorkloads } from '../../src/repo/workloads.js';
import { serviceBackends, findService } from '../../src/cluster/workloads.js';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const parse = (text: string): Manifest[] => parseManifestText(text, 'f.yaml', YAML).map((o) => toManifest(o, 'f.yaml'));
const fails = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeError);
    return (e as Error).message;
  }
  throw new Error('expected a KubeError');
};

describe('parsing and validation', () => {
  test('multi-document YAML, empty documents skipped, List flattened, defaults filled', () => {
    const ms = parse(`---
# nothing here
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: ns1}
spec:
  selector: {app: a}
  ports: [{port: 80, targetPort: "8080"}]
`);
    expect(ms).toEqual([
      { kind: 'Pod', namespace: 'default', name: 'a', labels: {}, hostNetwork: false, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      { kind: 'Service', namespace: 'ns1', name: 's', labels: {}, selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    ]);
  });

  test('exact messages', () => {
    expect(fails('a: b\n  c: d\n')).toBe('error: error parsing f.yaml: yaml: line 1: Nested mappings are not allowed in compact mappings');
    expect(fails('a: 1\nb:\n\t- x\n')).toBe('error: error parsing f.yaml: yaml: line 3: Tabs are not allowed as indentation');
    expect(fails('apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: data}\n')).toBe(
      'error: resource mapping not found for name: "db" namespace: "data" from "f.yaml": no matches for kind "StatefulSet" in version "apps/v1"',
    );
    expect(fails('apiVersion: v1\nkind: Pod\nmetadata: {name: Web}\nspec: {containers: [{name: c, image: x}]}\n')).toMatch(
      /^The Pod "Web" is invalid: metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/,
    );
    expect(fails('apiVersion: v1\nkind: Service\nmetadata: {name: 1svc}\nspec: {ports: [{port: 80}]}\n')).toMatch(/DNS-1035 label/);
    expect(fails('apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {v: 1}}\nspec: {containers: [{name: c, image: x}]}\n')).toBe(
      'error: error validating "f.yaml": error validating data: ValidationError(Pod.metadata.labels.v): invalid type for metadata.labels.v: got "integer", expected "string"',
    );
    expect(fails('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}, {port: 81}]}\n')).toBe('The Service "s" is invalid: spec.ports[0].name: Required value');
    expect(fails('apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 70000}]}\n')).toBe(
      'The Service "s" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
    expect(fails('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n')).toBe('The Pod "p" is invalid: spec.containers[0].image: Required value');
    expect(fails('kind: Pod\nmetadata: {name: p}\n')).toBe('error: error validating "f.yaml": error validating data: apiVersion not set');
    expect(fails('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: -1, selector: {matchLabels: {a: b}}}\n')).toBe(
      'The Deployment "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });
});

describe('apply and delete on the model', () => {
  async function model() {
    const s = session();
    await s.run('cluster create -g RG -n C --enable-wireguard');
    const store = openStore(s.env);
    const doc = loadCluster(store, 'RG', 'C');
    return { doc, w: loadWorkloads(store, doc) };
  }
  const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: a}}\nspec: {containers: [{name: c, image: x, ports: [{name: web, containerPort: 8080}]}]}\n';

  test('pods: labels and images may change; anything else in the spec is forbidden', async () => {
    const { doc, w } = await model();
    expect(applyManifests(doc, w, parse(POD), 'f.yaml')).toEqual(['pod/p created']);
    expect(applyManifests(doc, w, parse(POD.replace('app: a', 'app: b')), 'f.yaml')).toEqual(['pod/p configured']);
    expect(applyManifests(doc, w, parse(POD.replace('image: x', 'image: y').replace('app: a', 'app: b')), 'f.yaml')).toEqual(['pod/p configured']);
    expect(() => applyManifests(doc, w, parse(POD.replace('spec: {', 'spec: {hostNetwork: true, ')), 'f.yaml')).toThrow(/spec: Forbidden: pod updates may not change fields/);
  });

  test('services: a named targetPort resolves per pod; a given clusterIP is checked', async () => {
    const { doc, w } = await model();
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: a}, ports: [{port: 80, targetPort: web}]}\n';
    applyManifests(doc, w, parse(`${POD}---\n${svc}`), 'f.yaml');
    const s = findService(w, 'default', 's')!;
    expect(serviceBackends(w, s).map((b) => [b.pod.name, b.port])).toEqual([['p', 8080]]);
    const fixed = (ip: string) => parse(`apiVersion: v1\nkind: Service\nmetadata: {name: f}\nspec: {clusterIP: ${ip}, ports: [{port: 80}]}\n`);
    expect(() => applyManifests(doc, w, fixed('10.0.0.10'), 'f.yaml')).toThrow(/provided IP is already allocated/);
    expect(() => applyManifests(doc, w, fixed('192.168.0.1'), 'f.yaml')).toThrow(/not in the valid range/);
    expect(applyManifests(doc, w, fixed('10.0.200.200'), 'f.yaml')).toEqual(['service/f created']);
    expect(findService(w, 'default', 'f')!.clusterIP).toBe('10.0.200.200');
  });

  test('deployments: selector is immutable; replicas scale; delete takes the pods', async () => {
    const { doc, w } = await model();
    const dep = (replicas: number, sel = 'a') =>
      parse(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${sel}}}\n  template:\n    metadata: {labels: {app: ${sel}}}\n    spec: {containers: [{name: c, image: x}]}\n`);
    expect(applyManifests(doc, w, dep(3), 'f.yaml')).toEqual(['deployment.apps/d created']);
    expect(applyManifests(doc, w, dep(3), 'f.yaml')).toEqual(['deployment.apps/d unchanged']);
    expect(applyManifests(doc, w, dep(5), 'f.yaml')).toEqual(['deployment.apps/d configured']);
    expect(w.pods.filter((p) => p.owner?.name === 'd')).toHaveLength(5);
    expect(() => applyManifests(doc, w, dep(5, 'b'), 'f.yaml')).toThrow(/spec\.selector: Invalid value: .*field is immutable/);
    expect(applyManifests(doc, w, dep(1), 'f.yaml')).toEqual(['deployment.apps/d configured']);
    expect(w.pods.filter((p) => p.owner?.name === 'd')).toHaveLength(1);
    expect(deleteManifests(doc, w, dep(1), 'f.yaml')).toEqual({ deleted: ['deployment.apps "d" deleted'], errors: [] });
    expect(w.pods.filter((p) => p.owner?.name === 'd')).toHaveLength(0);
  });

  test('a system add-on that is deleted comes back on the next reconcile (as the AKS add-on manager does)', async () => {
    const { doc, w } = await model();
    const r = deleteManifests(doc, w, [{ kind: 'Deployment', namespace: 'kube-system', name: 'coredns' }], undefined);
    expect(r.deleted).toEqual(['deployment.apps "coredns" deleted']);
    expect(w.pods.filter((p) => p.owner?.name === 'coredns')).toHaveLength(2);
  });
});
