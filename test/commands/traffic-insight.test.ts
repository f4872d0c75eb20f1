/**
 * issue 5 through main(): --hubble (file and stdin), bad logs, --compare, --view matrix, --export-hubble and -o hubble,
 * --vm-size and VNet coverage, node wg-showconf, cluster show --as-az-command, kubectl get ciliumnodes -o yaml.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { run, session, testEnv } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const FIX = path.resolve('fixtures');
const HUBBLE = `${FIX}/hubble/flows.jsonl`;

async function imported() {
  const s = session();
  const r = await s.run(`cluster import -g RG -n prod --from-kubectl ${FIX}/kubectl/three-nodes.json --ciliumnodes ${FIX}/kubectl/ciliumnodes.json -o none`);
  expect(r.code).toBe(0);
  return s;
}

describe('traffic inspect --hubble', () => {
  test('a file: JSON with stats, flows, summary and the comparison; warnings with line numbers', async () => {
    const s = await imported();
    const r = await s.run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} --compare -o json`);
    expect(r.code).toBe(0);
    const j = r.json();
    // one flow per connection (the cross-node one is seen on both nodes); the strict-mode drop is not encrypted,
    // is counted as an unencrypted inter-node flow, and apart as a drop
    expect(j.summary).toEqual({
      total: 11,
      encrypted: 3,
      byPath: { external: 2, 'inter-node': 4, 'node-originated': 3, 'same-node': 1, 'to-node': 1 },
      unencryptedInterNodePod: 1,
      dropped: 1,
      strictModeDrops: 1,
    });
    expect(j.hubble.stats).toMatchObject({ lines: 22, flowLines: 15, malformed: 3, nodeStatus: 1, lostEvents: 1, tunnelPackets: 1 });
    expect(j.comparison.map((c: any) => [c.scenario, c.encrypted])).toEqual([
      ['none', 0],
      ['wireguard', 3],
      ['wireguard-node', 7],
      ['vnet', 3],
      ['wireguard-vnet', 6],
    ]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('WARNING'))).toEqual([
      `WARNING: ${HUBBLE}:14: not JSON (truncated?): Unterminated string in JSON at position 200; line skipped`,
      `WARNING: ${HUBBLE}:15: not a JSON object; line skipped`,
      `WARNING: ${HUBBLE}:22: no "flow", "node_status" or "lost_events" field; line skipped`,
      'WARNING: 1 flow has an address outside every CIDR of the cluster (and Hubble did not mark it as world): classified as external',
    ]);
  });

  test('stdin (-) gives the same result as the file', async () => {
    const s = await imported();
    const fromFile = (await s.run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} -o json`)).json();
    const env = testEnv({ home: s.env.home, stdin: fs.readFileSync(HUBBLE, 'utf8') });
    const r = await run('traffic inspect -g RG -n prod --hubble - -o json', { env });
    expect(r.code).toBe(0);
    expect(r.json().flows).toEqual(fromFile.flows);
    expect(r.stderr).toContain('WARNING: <stdin>:14: not JSON');
  });

  test('a log of only malformed lines: exit 1, the first 10 listed and the rest counted', async () => {
    const s = await imported();
    const file = path.join(makeTempDir(), 'bad.jsonl');
    fs.writeFileSync(file, Array.from({ length: 1000 }, (_, i) => (i % 2 ? '{"flow": {"IP": ' : 'garbage')).join('\n'));
    const r = await s.run(`traffic inspect -g RG -n prod --hubble ${file}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => /^WARNING: .*bad\.jsonl:\d+: /.test(l))).toHaveLength(10);
    expect(lines).toContain(`WARNING: ${file}: 1000 malformed lines skipped in all (the first 10 are listed)`);
    expect(lines[lines.length - 1]).toBe(`ERROR: --hubble ${file}: no flow could be read (all 1000 non-empty lines were malformed); expected the output of \`hubble observe -o json\``);
  });

  test('a missing file, and --hubble with flags that run simulated flows', async () => {
    const s = await imported();
    const missing = await s.run('traffic inspect -g RG -n prod --hubble /nonexistent/flows.jsonl');
    expect([missing.code, missing.stderr]).toEqual([1, 'ERROR: --hubble /nonexistent/flows.jsonl: no such file\n']);
    const both = await s.run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} --all-pairs`);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('ERROR: --hubble evaluates a recorded flow log; it cannot be used with --all-pairs, which run simulated flows\n');
  });

  test('--view matrix, and --compare as a table', async () => {
    const s = await imported();
    const r = await s.run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} --view matrix --compare`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Pod-to-pod flows encrypted, by node pair/);
    expect(r.stdout).toContain(' 1   ~  #  #\n');
    expect(r.stdout).toMatch(/WireGuard \(AKS\)/);
    expect(r.stdout).not.toMatch(/\u001b/);
    const tty = testEnv({ home: s.env.home, tty: true });
    const coloured = await run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} --view matrix`, { env: tty });
    expect(coloured.stdout).toContain('\u001b[32m#\u001b[39m');
  });

  test('--fail-on-unencrypted gates on Hubble flows too (a cluster imported without WireGuard keys)', async () => {
    const s = session();
    expect((await s.run(`cluster import -g RG -n nowg --from-kubectl ${FIX}/kubectl/three-nodes.json -o none`)).code).toBe(0);
    for (const extra of ['-o none', '--view matrix']) {
      const r = await s.run(`traffic inspect -g RG -n nowg --hubble ${HUBBLE} --fail-on-unencrypted --only-show-errors ${extra}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('ERROR: 4 inter-node pod-to-pod flows were not encrypted (--fail-on-unencrypted)\n');
    }
  });

  test('-o hubble prints compact hubble observe lines', async () => {
    const s = await imported();
    const r = await s.run(`traffic inspect -g RG -n prod --hubble ${HUBBLE} -o hubble`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(
      'Nov 25 14:02:00.123 [aks-nodepool1-31415926-vmss000000]: shop/client:43120 (ID:41021) -> shop/web-5b8c7d9f4-hw7tx:8080 (ID:28813) to-stack FORWARDED (TCP (4 records))',
    );
  });
});

describe('simulated flows: --export-hubble, -o hubble, --compare, --vm-size', () => {
  test('the export holds outer WireGuard packets marked encrypted, deliveries, and reads back with --hubble', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -o none')).code).toBe(0);
    const file = path.join(makeTempDir(), 'export.jsonl');
    const r = await s.run(`traffic inspect -g RG -n C --export-hubble ${file} -o json`);
    expect(r.code).toBe(0);
    const report = r.json();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(r.stderr).toContain(`Wrote ${lines.length} Hubble flows to ${file}`);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['flow', 'node_name', 'time']);
      expect(l.flow.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(l.flow.Type).toBe('L3_L4');
    }
    const outer = lines.filter((l) => l.flow.IP.encrypted === true);
    expect(outer.length).toBeGreaterThan(0);
    for (const l of outer) {
      expect(l.flow.l4.UDP).toEqual({ source_port: 51871, destination_port: 51871 });
      expect(['TO_NETWORK', 'FROM_NETWORK']).toContain(l.flow.trace_observation_point);
    }
    // plaintext packets on the wire carry no `encrypted` field at all (protojson omits false)
    const plain = lines.filter((l) => l.flow.trace_observation_point === 'TO_NETWORK' && l.flow.IP.encrypted === undefined);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((l) => !('encrypted' in l.flow.IP))).toBe(true);
    // one delivery per reported flow
    expect(lines.filter((l) => ['TO_ENDPOINT', 'TO_STACK'].includes(l.flow.trace_observation_point)).length).toBe(report.flows.length);
    // the export is a Hubble log like any other
    const back = await s.run(`traffic inspect -g RG -n C --hubble ${file} -o json`);
    expect(back.code).toBe(0);
    expect(back.json().hubble.stats.tunnelPackets).toBe(outer.length);
    expect(back.json().hubble.stats.malformed).toBe(0);
  });

  test('strict mode drops are exported with drop_reason_desc UNENCRYPTED_TRAFFIC', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n S --network-dataplane cilium -o none')).code).toBe(0);
    expect((await s.run('cluster update -g RG -n S --enable-wireguard --encryption-strict-egress-cidr 10.244.0.0/16 --no-wait -o none')).code).toBe(0);
    const file = path.join(makeTempDir(), 'strict.jsonl');
    const r = await s.run(`traffic inspect -g RG -n S --duration 30s --interval 5s --export-hubble ${file} -o none`);
    expect(r.code).toBe(0);
    const drops = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.flow.verdict === 'DROPPED');
    expect(drops.length).toBeGreaterThan(0);
    for (const d of drops) expect(d.flow).toMatchObject({ drop_reason: 195, drop_reason_desc: 'UNENCRYPTED_TRAFFIC', event_type: { type: 1, sub_type: 195 } });
    const compact = await s.run('traffic inspect -g RG -n S -o hubble');
    expect(compact.stdout.trim().split('\n').every((l) => /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d\.\d{3} \[aks-[^\]]+\]: \S+ (\(\w[\w-]*\)|\(ID:\d+\)) -> \S+ (\(\w[\w-]*\)|\(ID:\d+\)) \S.* (FORWARDED|DROPPED) \(.*\)$/.test(l))).toBe(true);
  });

  test('--vm-size decides which nodes VNet encryption covers', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n V --enable-wireguard --vm-size Standard_D4s_v5 -c 2 -o none')).code).toBe(0);
    expect((await s.run('nodepool add -g RG --cluster-name V -n old -c 1 --vm-size=Standard_DS2_v2 -o none')).code).toBe(0);
    const pools = (await s.run('nodepool list -g RG --cluster-name V')).json();
    expect(pools.map((p: any) => [p.name, p.vmSize])).toEqual([
      ['nodepool1', 'Standard_D4s_v5'],
      ['old', 'Standard_DS2_v2'],
    ]);
    const r = await s.run('traffic inspect -g RG -n V --all-pairs --compare -o json');
    expect(r.code).toBe(0);
    const j = r.json();
    const supported = new Set(['aks-nodepool1']);
    const crossing = j.flows.filter((f: any) => f.path !== 'external' && f.path !== 'same-node' && f.source.node && f.destination.node && f.source.node !== f.destination.node);
    const both = crossing.filter((f: any) => [f.source.node, f.destination.node].every((n: string) => [...supported].some((p) => n.startsWith(p))));
    const vnet = j.comparison.find((c: any) => c.scenario === 'vnet');
    expect(vnet.encrypted).toBe(both.length);
    expect(both.length).toBeGreaterThan(0);
    expect(both.length).toBeLessThan(crossing.length);
    // unknown flags keep az's message
    const bad = await s.run('cluster create -g RG -n W --vm-sizes X');
    expect([bad.code, bad.stderr]).toEqual([2, 'ERROR: unrecognized arguments: --vm-sizes X\n']);
  });
});

describe('exports for other tools', () => {
  test('node wg-showconf: private key hidden, shown only with --show-keys and a warning', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -o none')).code).toBe(0);
    const node = (await s.run('nodepool list -g RG --cluster-name C')).code === 0 ? JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/c.json'), 'utf8')).data.nodes[0].name : '';
    const r = await s.run(`node wg-showconf ${node} -g RG -n C`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\[Interface\]\nListenPort = 51871\nPrivateKey = \(hidden\)\n\n\[Peer\]\nPublicKey = [A-Za-z0-9+/]{43}=\nAllowedIPs = 10\.224\.0\.\d+\/32, /);
    expect((r.stdout.match(/\[Peer\]/g) ?? []).length).toBe(2);
    const shown = await s.run(`node wg-showconf ${node} -g RG -n C --show-keys`);
    expect(shown.stdout).toMatch(/^\[Interface\]\nListenPort = 51871\nPrivateKey = [A-Za-z0-9+/]{43}=\n/);
    expect(shown.stderr).toMatch(/^WARNING: the output holds the private key of aks-nodepool1-\d{8}-vmss000000's cilium_wg0; anyone with it can decrypt/);
    const missing = await s.run('node wg-showconf nope -g RG -n C');
    expect([missing.code, missing.stderr]).toEqual([3, "ERROR: node 'nope' not found in cluster RG/C\n"]);
  });

  test('cluster show --as-az-command builds the same cluster again (through our own az-style commands)', async () => {
    const s = await imported();
    const r = await s.run('cluster show -g RG -n prod --as-az-command');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^az aks create \\\n    --resource-group RG \\\n    --name prod \\\n/);
    const commands = r.stdout.trim().split('\n\n').map((c) => c.replace(/ \\\n\s*/g, ' ').replace(/--name prod\b/, '--name again').replace('--cluster-name prod', '--cluster-name again'));
    expect(commands).toHaveLength(2);
    for (const c of commands) {
      const argv = c.replace(/^az aks create /, 'cluster create ').replace(/^az aks nodepool add /, 'nodepool add ').split(' ');
      const out = await s.run([...argv, '-o', 'none']);
      expect([out.code, out.stderr]).toEqual([0, '']);
    }
    const a = (await s.run('cluster show -g RG -n prod')).json();
    const b = (await s.run('cluster show -g RG -n again')).json();
    expect(b.networkProfile).toEqual(a.networkProfile);
    const strip = (p: any) => ({ name: p.name, count: p.count, mode: p.mode, vmSize: p.vmSize, maxPods: p.maxPods, orchestratorVersion: p.orchestratorVersion });
    expect(b.agentPoolProfiles.map(strip)).toEqual(a.agentPoolProfiles.map(strip));
    expect([b.location, b.kubernetesVersion]).toEqual([a.location, a.kubernetesVersion]);
  });

  test('kubectl get ciliumnodes -o yaml is a kubectl v1 List, and kubectl output imports back', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -o none')).code).toBe(0);
    expect((await s.run('cluster get-credentials -g RG -n C')).code).toBe(0);
    const yaml = await s.run('kubectl get ciliumnodes -o yaml');
    expect(yaml.code).toBe(0);
    const list = parseYaml(yaml.stdout);
    expect(Object.keys(list).sort()).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
    expect([list.apiVersion, list.kind, list.metadata]).toEqual(['v1', 'List', { resourceVersion: '' }]);
    expect(list.items.map((i: any) => i.kind)).toEqual(['CiliumNode', 'CiliumNode', 'CiliumNode']);
    // nodes, pods and services as kubectl lists them, merged into one List, import as a cluster with the same nodes
    const items = [];
    for (const what of ['nodes', 'pods -A', 'services -A']) items.push(...(await s.run(`kubectl get ${what} -o json`)).json().items);
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    fs.writeFileSync(path.join(dir, 'cn.json'), (await s.run('kubectl get ciliumnodes -o json')).stdout);
    const imp = await s.run(`cluster import -g RG -n copy --from-kubectl ${dir}/k.json --ciliumnodes ${dir}/cn.json -o json`);
    expect(imp.code).toBe(0);
    expect(imp.stderr).not.toMatch(/WARNING|ERROR/);
    const orig = JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/c.json'), 'utf8')).data;
    const copy = JSON.parse(fs.readFileSync(path.join(s.env.home, 'clusters/rg/copy.json'), 'utf8')).data;
    expect(copy.nodes.map((n: any) => [n.name, n.ip, n.podCidr, n.pool])).toEqual(orig.nodes.map((n: any) => [n.name, n.ip, n.podCidr, n.pool]));
    const a = await s.run('traffic inspect -g RG -n C --all-pairs --compare -o json');
    const b = await s.run('traffic inspect -g RG -n copy --all-pairs --compare -o json');
    expect(b.json().summary).toEqual(a.json().summary);
  });
});
