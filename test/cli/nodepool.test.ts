/** az aks nodepool, end to end: counts, modes, the System pool rule, node inventory stability. */
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { loadCluster, openStore } from '../../src/repo/cluster.js';

afterEach(removeTempDirs);

async function cluster(extra = '') {
  const s = session();
  expect((await s.run(`cluster create -g RG -n C ${extra}`)).code).toBe(0);
  return s;
}
const nodes = (s: Awaited<ReturnType<typeof cluster>>) => loadCluster(openStore(s.env), 'RG', 'C').nodes;

describe('nodepool', () => {
  test('add, show, list (json and table), scale, delete', async () => {
    const s = await cluster();
    const added = await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 2');
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({
      name: 'pool2',
      count: 2,
      mode: 'User',
      type: 'Microsoft.ContainerService/managedClusters/agentPools',
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/RG/providers/Microsoft.ContainerService/managedClusters/C/agentPools/pool2',
    });
    expect((await s.run('nodepool show -g RG --cluster-name C -n pool2')).json().count).toBe(2);
    const table = (await s.run('nodepool list -g RG --cluster-name C -o table')).stdout.split('\n');
    expect(table[0]!.split(/\s{2,}/)).toEqual(['Name', 'OsType', 'KubernetesVersion', 'VmSize', 'Count', 'MaxPods', 'ProvisioningState', 'Mode']);
    expect(table.slice(2, 4).map((l) => l.split(/\s+/)[0])).toEqual(['nodepool1', 'pool2']);
    expect((await s.run('nodepool scale -g RG --cluster-name C -n pool2 -c 4')).json().count).toBe(4);
    expect(nodes(s).filter((n) => n.pool === 'pool2')).toHaveLength(4);
    expect((await s.run('cluster show -g RG -n C --query agentPoolProfiles[1].count')).stdout).toBe('4\n');
    const del = await s.run('nodepool delete -g RG --cluster-name C -n pool2');
    expect([del.code, del.stdout, del.stderr]).toEqual([0, '', '']);
    expect((await s.run('nodepool list -g RG --cluster-name C --query [].name -o tsv')).stdout).toBe('nodepool1\n');
    expect(nodes(s)).toHaveLength(3);
  });

  test('node names, IPs and pod CIDRs are AKS-style, unique and stable across commands', async () => {
    const s = await cluster();
    const first = nodes(s);
    expect(first.map((n) => n.ip)).toEqual(['10.224.0.4', '10.224.0.5', '10.224.0.6']);
    expect(first.map((n) => n.podCidr)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    for (const n of first) expect(n.name).toMatch(/^aks-nodepool1-\d{8}-vmss[0-9a-z]{6}$/);
    expect(first[0]!.name.endsWith('vmss000000')).toBe(true);
    await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 2');
    await s.run('nodepool scale -g RG --cluster-name C -n nodepool1 -c 2');
    await s.run('nodepool scale -g RG --cluster-name C -n nodepool1 -c 3');
    const after = nodes(s);
    // The first two nodes never moved; the scaled-in instance id is not reused; freed addresses are.
    expect(after.slice(0, 2)).toEqual(first.slice(0, 2));
    const again = after.find((n) => n.pool === 'nodepool1' && n.instance === 3)!;
    expect(again.name.endsWith('vmss000003')).toBe(true);
    expect(again.ip).toBe('10.224.0.6');
    expect(new Set(after.map((n) => n.ip)).size).toBe(after.length);
    expect(new Set(after.map((n) => n.podCidr)).size).toBe(after.length);
  });

  test('errors: bad names, duplicates, counts, System pool rule, not found', async () => {
    const s = await cluster();
    const bad = await s.run('nodepool add -g RG --cluster-name C -n Pool2');
    expect([bad.code, bad.stderr]).toEqual([1, 'ERROR: --name must start with a lowercase letter and contain only lowercase letters and numbers\n']);
    const dup = await s.run('nodepool add -g RG --cluster-name C -n nodepool1');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe("ERROR: Node pool nodepool1 already exists, please try a different name, use 'aks-wg nodepool list' to get current list of node pool\n");
    expect((await s.run('nodepool add -g RG --cluster-name C -n user0 -c 0')).code).toBe(0);
    const sys0 = await s.run('nodepool add -g RG --cluster-name C -n sys0 -c 0 --mode system');
    expect(sys0.code).toBe(1);
    expect(sys0.stderr).toContain('a System pool takes 1 to 1000 nodes');
    const big = await s.run('nodepool add -g RG --cluster-name C -n big -c 1001');
    expect(big.stderr).toContain('a User pool takes 0 to 1000 nodes');
    const same = await s.run('nodepool scale -g RG --cluster-name C -n nodepool1 -c 3');
    expect([same.code, same.stderr]).toEqual([1, 'ERROR: The new node count is the same as the current node count.\n']);
    const last = await s.run('nodepool delete -g RG --cluster-name C -n nodepool1');
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/^ERROR: \(OperationNotAllowed\) Cannot delete agent pool 'nodepool1'/);
    const missing = await s.run('nodepool show -g RG --cluster-name C -n nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("'Microsoft.ContainerService/managedClusters/C/agentPools/nope' under resource group 'RG' was not found");
    expect((await s.run('nodepool list -g RG --cluster-name D')).code).toBe(3);
    const mode = await s.run('nodepool add -g RG --cluster-name C -n p3 --mode Spot');
    expect([mode.code, mode.stderr]).toEqual([2, "ERROR: aks-wg nodepool add: 'Spot' is not a valid value for '--mode'. Allowed values: System, User.\n"]);
    // A second System pool lets the first one go.
    expect((await s.run('nodepool add -g RG --cluster-name C -n sys2 -c 1 --mode System')).code).toBe(0);
    expect((await s.run('nodepool delete -g RG --cluster-name C -n nodepool1')).code).toBe(0);
  });

  test('5,000 nodes per cluster, and the pod CIDR must hold a /24 per node', async () => {
    const s = await cluster('-c 1000 --pod-cidr 100.64.0.0/10');
    for (const p of ['b', 'c', 'd', 'e']) expect((await s.run(`nodepool add -g RG --cluster-name C -n ${p} -c 1000 -o none`)).code).toBe(0);
    const over = await s.run('nodepool add -g RG --cluster-name C -n f -c 1');
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('(InvalidParameter) The cluster would have 5001 nodes; a cluster takes at most 5000 nodes across all agent pools.');
    expect(nodes(s)).toHaveLength(5000);
    const small = session();
    await small.run('cluster create -g RG -n S -c 200');
    const full = await small.run('nodepool add -g RG --cluster-name S -n more -c 57');
    expect(full.code).toBe(1);
    expect(full.stderr).toContain('Pod CIDR 10.244.0.0/16 has room for 256 nodes (a /24 each); the cluster would have 257.');
  });
});
