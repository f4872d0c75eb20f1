/**
 * Issue 12 item 10: the kubectl forms of everyday docs — `exec -it`, flags before the verb, `-o=name`,
 * `get pods,svc`, `get all`, `describe`, set-based selectors, `--show-labels`, `config ...` — and kubectl's
 * `error: ...` style for every kubectl error (never `ERROR: error: ...`).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

let s: ReturnType<typeof session>;
beforeAll(async () => {
  s = session();
  expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2 -o none')).code).toBe(0);
  expect((await s.run('cluster create -g RG -n D -c 1 -o none')).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n D')).code).toBe(0);
  expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
}, 60_000);
afterAll(removeTempDirs);

describe('argv forms', () => {
  test.each([['-it'], ['-ti'], ['-i -t']])('exec %s runs the command', async (flags) => {
    const r = await s.run(`kubectl exec ${flags} -n kube-system ds/cilium -- cilium-dbg encrypt status`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^Encryption: Wireguard/);
  });
  test('flags before the verb: kubectl -n kube-system exec / get, --context before the verb', async () => {
    const exec = await s.run('kubectl -n kube-system exec ds/cilium -- cilium-dbg encrypt status');
    expect([exec.code, exec.stderr]).toEqual([0, '']);
    const get = await s.run('kubectl -n kube-system get ds cilium -o name');
    expect(get.stdout).toBe('daemonset.apps/cilium\n');
    const ctx = await s.run('kubectl --context RG/D -n kube-system get ds -o name');
    expect(ctx.stdout).not.toContain('cilium'); // D runs the Azure dataplane
    expect(ctx.stdout).toContain('daemonset.apps/kube-proxy\n');
  });
  test('-o=name is -o name', async () => {
    const r = await s.run('kubectl get svc -n kube-system kube-dns -o=name');
    expect([r.code, r.stdout]).toEqual([0, 'service/kube-dns\n']);
  });
});

describe('get', () => {
  test('get pods,svc prints a table per type with kind/name', async () => {
    const r = await s.run('kubectl get pods,svc -n kube-system -l k8s-app=kube-dns');
    expect(r.code).toBe(0);
    const [pods, svcs] = r.stdout.split('\n\n');
    expect(pods).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE\npod\/coredns-[a-z0-9]+-[a-z0-9]+ +1\/1 +Running/);
    expect(svcs).toMatch(/^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nservice\/kube-dns +ClusterIP +10\.0\.0\.10 /);
  });
  test('get all lists pods, services, daemonsets and deployments', async () => {
    const r = await s.run('kubectl get all -n kube-system -o name');
    const kinds = new Set(r.stdout.trim().split('\n').map((l) => l.split('/')[0]));
    expect([...kinds]).toEqual(['pod', 'service', 'daemonset.apps', 'deployment.apps']);
  });
  test('get all -o json is one List of every kind', async () => {
    const r = await s.run('kubectl get all -n kube-system -o json');
    const kinds = new Set(r.json().items.map((i: { kind: string }) => i.kind));
    expect([...kinds]).toEqual(['Pod', 'Service', 'DaemonSet', 'Deployment']);
  });
  test.each([
    ["k8s-app in (cilium,kube-dns)", ['cilium', 'kube-dns']],
    ["k8s-app notin (cilium,kube-dns),k8s-app", ['azure-cns', 'cloud-node-manager', 'hubble-relay', 'metrics-server']],
    ['!k8s-app', ['<no k8s-app>']],
    ['k8s-app', ['azure-cns', 'cilium', 'cloud-node-manager', 'hubble-relay', 'kube-dns', 'metrics-server']],
  ])('set-based selector -l %s', async (selector, apps) => {
    const r = await s.run(['kubectl', 'get', 'pods', '-n', 'kube-system', '-l', selector, '-o', 'json']);
    expect(r.code).toBe(0);
    const got = [...new Set(r.json().items.map((p: { metadata: { labels: Record<string, string> } }) => p.metadata.labels['k8s-app'] ?? '<no k8s-app>'))].sort();
    expect(got).toEqual(apps);
  });
  test('a malformed selector is a kubectl error', async () => {
    const r = await s.run(['kubectl', 'get', 'pods', '-l', 'a in b']);
    expect([r.code, r.stderr]).toEqual([1, "error: unable to parse requirement: found 'a in b', expected: identifier, '=', '==', '!=', 'in', 'notin' or '!'\n"]);
  });
  test('--show-labels adds LABELS as the last column', async () => {
    const r = await s.run('kubectl get svc -n kube-system kube-dns --show-labels');
    expect(r.stdout.split('\n')[0]).toMatch(/ AGE +LABELS$/);
    expect(r.stdout.split('\n')[1]).toMatch(/ k8s-app=kube-dns,kubernetes\.io\/cluster-service=true,kubernetes\.io\/name=CoreDNS$/);
  });
});

describe('describe', () => {
  test('describe ciliumnode shows the WireGuard key annotation and the addresses', async () => {
    const node = (await s.run('kubectl get cn -o name')).stdout.split('\n')[0]!.split('/')[1]!;
    const key = (await s.run(['node', 'list', '-g', 'RG', '-n', 'C', '--query', `[?name=='${node}'].publicKey | [0]`, '-o', 'tsv'])).stdout.trim();
    const r = await s.run(['kubectl', 'describe', 'cn', node]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Name:         ${node}\n`);
    expect(r.stdout).toContain(`Annotations:  network.cilium.io/wg-pub-key=${key}\n`);
    expect(r.stdout).toMatch(/\n    InternalIP:  10\.224\.0\.\d+\n/);
  });
  test('describe pod by name prefix, with node, IP and controller', async () => {
    const r = await s.run('kubectl describe pod -n kube-system coredns');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Name: /gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/\nControlled By:  ReplicaSet\/coredns-[a-z0-9]+\n/);
    expect(r.stdout).toMatch(/\nIP:           10\.244\.\d+\.\d+\n/);
  });
  test('describe of a missing object', async () => {
    const r = await s.run('kubectl describe svc nope');
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', 'Error from server (NotFound): services "nope" not found\n']);
  });
});

describe('config', () => {
  test('current-context, get-contexts, use-context', async () => {
    expect((await s.run('kubectl config current-context')).stdout).toBe('C\n');
    const list = await s.run('kubectl config get-contexts');
    expect(list.stdout).toBe(
      'CURRENT   NAME   CLUSTER   AUTHINFO           NAMESPACE\n*         C      C         clusterUser_RG_C   \n          D      D         clusterUser_RG_D   \n',
    );
    expect((await s.run('kubectl config get-contexts -o name')).stdout).toBe('C\nD\n');
    const use = await s.run('kubectl config use-context D');
    expect([use.code, use.stdout]).toEqual([0, 'Switched to context "D".\n']);
    expect((await s.run('kubectl config current-context')).stdout).toBe('D\n');
    expect((await s.run('kubectl config use-context C')).code).toBe(0);
    const bad = await s.run('kubectl config use-context nope');
    expect([bad.code, bad.stderr]).toEqual([1, 'error: no context exists with the name: "nope"\n']);
  });
});

describe("kubectl's error style, one prefix", () => {
  test.each([
    ['kubectl get pods --bogus', 2, "error: unrecognized arguments: --bogus\nSee 'aks-wg kubectl get --help' for usage.\n"],
    ['kubectl get pods -o foo', 2, 'error: unable to match a printer suitable for the output format "foo", allowed formats are: json,name,wide,yaml\nSee \'aks-wg kubectl get --help\' for usage.\n'],
    ['kubectl frob', 2, 'error: unknown command "frob" for "kubectl"\nSee \'aks-wg kubectl --help\' for usage.\n'],
    ['kubectl get', 2, "error: the following arguments are required: TYPE\nSee 'aks-wg kubectl get --help' for usage.\n"],
    ['kubectl get pods --context nope', 1, "error: context was not found for specified context: nope (use a context from 'aks-wg cluster get-credentials' or RG/NAME)\n"],
    ['kubectl get widgets', 1, 'error: the server doesn\'t have a resource type "widgets"\n'],
  ])('%s', async (argv, code, stderr) => {
    const r = await s.run(argv);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr });
  });
});
