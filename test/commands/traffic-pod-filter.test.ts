/**
 * Issue 12 item 14: `--all-pairs` and the default flow set can be narrowed to the pods a user cares about, with
 * kubectl's words: `--namespace NS[,NS]`, `--selector/-l SEL` (kubectl's -l), `--exclude-host-network` (hostNetwork
 * pods are the host: DaemonSets such as cilium and azure-cns, one per node, which dominate a big cluster's pairs).
 * `-n` stays the cluster name, as in az.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - {name: nginx, image: nginx:1.27, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {app: api}}
spec:
  replicas: 4
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: api:1, ports: [{name: http, containerPort: 9000}]}
`;

interface End {
  kind: string;
  namespace: string | null;
  name: string | null;
  hostNetwork: boolean;
}
interface Row {
  source: End;
  destination: End;
}

async function cluster() {
  const dir = makeTempDir();
  fs.writeFileSync(path.join(dir, 'shop.yaml'), WEB);
  const s = session({ cwd: dir, seed: 'filter' });
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 8 -o none')).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
  expect((await s.run('kubectl apply -f shop.yaml')).code).toBe(0);
  return s;
}

const pods = (rows: Row[]) => rows.flatMap((r) => [r.source, r.destination]).filter((e) => e.kind === 'pod');

describe('--all-pairs filters', () => {
  test('unfiltered, most sampled pairs touch a hostNetwork DaemonSet pod; --exclude-host-network leaves none', async () => {
    const s = await cluster();
    const all: Row[] = (await s.run('traffic inspect -g RG -n C --all-pairs --sample 500 -o json')).json().flows;
    const hostShare = all.filter((r) => r.source.hostNetwork || r.destination.hostNetwork).length / all.length;
    expect(hostShare).toBeGreaterThan(0.5);
    // the sample is drawn from the filtered pairs: it is as large as asked
    const r = await s.run('traffic inspect -g RG -n C --all-pairs --sample 100 --exclude-host-network -o json');
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows).toHaveLength(100);
    expect(rows.some((x) => x.source.hostNetwork || x.destination.hostNetwork)).toBe(false);
  });

  test('--namespace shop: both ends in shop; every ordered pair of its 10 pods', async () => {
    const s = await cluster();
    const r = await s.run('traffic inspect -g RG -n C --all-pairs --namespace shop -o json');
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows).toHaveLength(10 * 9);
    expect(new Set(pods(rows).map((e) => e.namespace))).toEqual(new Set(['shop']));
  });

  test('-l / --selector with kubectl selector syntax, and with --namespace', async () => {
    const s = await cluster();
    const r = await s.run('traffic inspect -g RG -n C --all-pairs -l app=web,tier -o json');
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows).toHaveLength(6 * 5);
    expect(pods(rows).every((e) => e.name!.startsWith('web-'))).toBe(true);
    const both = (await s.run('traffic inspect -g RG -n C --all-pairs --namespace kube-system --selector app!=web --exclude-host-network -o json')).json().flows as Row[];
    expect(both.length).toBeGreaterThan(0);
    expect(pods(both).every((e) => e.namespace === 'kube-system' && !e.hostNetwork)).toBe(true);
  });

  test('the default flow set honours the filters too', async () => {
    const s = await cluster();
    const r = await s.run('traffic inspect -g RG -n C --namespace shop -o json');
    expect(r.code).toBe(0);
    const rows: Row[] = r.json().flows;
    expect(rows.length).toBeGreaterThan(3);
    expect(new Set(pods(rows).map((e) => e.namespace))).toEqual(new Set(['shop']));
  });

  test('bad use: with --from/--to (exit 2), a selector that does not parse, nothing matching (exit 1)', async () => {
    const s = await cluster();
    const fromTo = await s.run('traffic inspect -g RG -n C --from 1.1.1.1 --to 10.224.0.4 --namespace shop');
    expect([fromTo.code, fromTo.stderr]).toEqual([2, 'ERROR: --namespace filters the pods of --all-pairs and the default flows; --from/--to and --flows name their endpoints\n']);
    const bad = await s.run('traffic inspect -g RG -n C --all-pairs -l a=b=c');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ERROR: --selector: unable to parse requirement/);
    const none = await s.run('traffic inspect -g RG -n C --all-pairs --namespace nowhere');
    expect([none.code, none.stderr]).toEqual([1, 'ERROR: no running pod matches --namespace nowhere\n']);
  });
});
