/**
 * The az-compatible cluster commands, end to end through main(): exact messages, exit codes, JSON shape.
 * Facts from ../shared/reference/az-aks.md.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { run, session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

/** Every object in `v` has its keys in sorted order (JSON.parse keeps the text's order). */
function expectSortedKeys(v: unknown, where = '$'): void {
  if (Array.isArray(v)) v.forEach((x, i) => expectSortedKeys(x, `${where}[${i}]`));
  else if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    expect({ where, keys }).toEqual({ where, keys: [...keys].sort() });
    for (const k of keys) expectSortedKeys((v as Record<string, unknown>)[k], `${where}.${k}`);
  }
}

const LEARN_CREATE =
  'cluster create --name C --resource-group RG --location eastus --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns --acns-transit-encryption-type wireguard --generate-ssh-keys';

describe('Microsoft Learn command lines', () => {
  test('create, then update to WireGuard and to none, verbatim', async () => {
    const s = session();
    const created = await s.run(LEARN_CREATE);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const mc = created.json();
    expectSortedKeys(mc);
    expect(mc.networkProfile).toEqual({
      advancedNetworking: {
        enabled: true,
        observability: { enabled: true },
        security: { advancedNetworkPolicies: 'FQDN', enabled: true, transitEncryption: { type: 'WireGuard' } },
      },
      dnsServiceIp: '10.0.0.10',
      ipFamilies: ['IPv4'],
      loadBalancerSku: 'standard',
      networkDataplane: 'cilium',
      networkPlugin: 'azure',
      networkPluginMode: 'overlay',
      networkPolicy: 'cilium',
      outboundType: 'loadBalancer',
      podCidr: '10.244.0.0/16',
      podCidrs: ['10.244.0.0/16'],
      serviceCidr: '10.0.0.0/16',
      serviceCidrs: ['10.0.0.0/16'],
    });
    expect(mc).toMatchObject({
      id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/RG/providers/Microsoft.ContainerService/managedClusters/C',
      name: 'C',
      location: 'eastus',
      resourceGroup: 'RG',
      provisioningState: 'Succeeded',
      type: 'Microsoft.ContainerService/ManagedClusters',
      agentPoolProfiles: [{ name: 'nodepool1', count: 3, mode: 'System', osType: 'Linux', vmSize: 'Standard_DS2_v2', maxPods: 250 }],
    });
    const none = await s.run('cluster update --resource-group RG --name C --enable-acns --acns-transit-encryption-type none');
    expect(none.code).toBe(0);
    expect(none.json().networkProfile.advancedNetworking.security.transitEncryption).toEqual({ type: 'None' });
    const wg = await s.run('cluster update --resource-group RG --name C --enable-acns --acns-transit-encryption-type wireguard');
    expect(wg.code).toBe(0);
    expect(wg.json().networkProfile.advancedNetworking.security.transitEncryption).toEqual({ type: 'WireGuard' });
  });
});

describe('--enable-wireguard shorthand', () => {
  test('selects azure overlay cilium when no network flag is given', async () => {
    const r = await run('cluster create -g RG -n C --enable-wireguard');
    expect(r.code).toBe(0);
    const np = r.json().networkProfile;
    expect([np.networkPlugin, np.networkPluginMode, np.networkDataplane]).toEqual(['azure', 'overlay', 'cilium']);
    expect(np.advancedNetworking.security.transitEncryption.type).toBe('WireGuard');
  });
  test('an explicit --network-dataplane azure is the service-side error', async () => {
    const r = await run('cluster create -g RG -n C --enable-wireguard --network-dataplane azure');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const msg =
      "WireGuard transit encryption can be enabled only on Cilium-based clusters (network plugin azure with network dataplane cilium); this cluster uses network plugin 'azure' with network dataplane 'azure'.";
    expect(r.stderr).toBe(`ERROR: (InvalidParameter) ${msg}\nCode: InvalidParameter\nMessage: ${msg}\n`);
  });
  test('kubenet with cilium is rejected by the service', async () => {
    const r = await run('cluster create -g RG -n C --network-dataplane cilium --network-plugin kubenet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: \(InvalidParameter\) --network-dataplane cilium requires --network-plugin azure/);
  });
  test.each(['kubenet', 'none'])('--enable-wireguard --network-plugin %s names what WireGuard needs, not a flag the user did not pass', async (plugin) => {
    const r = await run(`cluster create -g RG -n C --enable-wireguard --network-plugin ${plugin}`);
    expect(r.code).toBe(1);
    const msg = `--enable-wireguard needs the Cilium dataplane (--network-plugin azure --network-dataplane cilium): WireGuard transit encryption runs in Cilium, and --network-plugin ${plugin} has no Cilium dataplane.`;
    expect(r.stderr).toBe(`ERROR: (InvalidParameter) ${msg}\nCode: InvalidParameter\nMessage: ${msg}\n`);
  });
  test.each([
    ['cluster create -g RG -n C -c 99999999999999999999999', 'ERROR: argument --node-count/-c: 99999999999999999999999 is out of range\n'],
    ['cluster create -g RG -n C --max-pods 99999999999999999999999', 'ERROR: argument --max-pods/-m: 99999999999999999999999 is out of range\n'],
    ['nodepool add -g RG --cluster-name C -n p -c 100000000000000000000000000', 'ERROR: argument --node-count/-c: 100000000000000000000000000 is out of range\n'],
  ])('a huge number is echoed as typed: %s', async (argv, stderr) => {
    const r = await run(argv);
    expect([r.code, r.stderr]).toEqual([1, stderr]);
  });
  test('--disable-wireguard on update sets the type to None', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C --enable-wireguard');
    const r = await s.run('cluster update -g RG -n C --disable-wireguard');
    expect(r.code).toBe(0);
    expect(r.json().networkProfile.advancedNetworking.security.transitEncryption.type).toBe('None');
  });
  test('--enable-wireguard on update of an azure-dataplane cluster fails and changes nothing', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const before = (await s.run('cluster show -g RG -n C')).stdout;
    const r = await s.run('cluster update -g RG -n C --enable-wireguard');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(InvalidParameter) WireGuard transit encryption can be enabled only on Cilium-based clusters');
    expect((await s.run('cluster show -g RG -n C')).stdout).toBe(before);
  });
});

describe('ACNS validation rules, in order (exit 1)', () => {
  const cases: [string, string][] = [
    ['cluster create -g RG -n C --enable-acns --disable-acns-observability --disable-acns-security', 'Cannot disable observability, security, and performance acceleration when enabling ACNS. Please enable at least one of them or disable ACNS with --disable-acns.'],
    ['cluster create -g RG -n C --network-dataplane cilium --enable-acns --disable-acns-security --acns-transit-encryption-type WireGuard', 'Cannot specify --acns-transit-encryption-type and --disable-acns-security at the same time.'],
    ['cluster create -g RG -n C --network-dataplane cilium --acns-transit-encryption-type WireGuard', '--acns-transit-encryption-type requires --enable-acns.'],
  ];
  test.each(cases)('%s', async (argv, message) => {
    const r = await run(argv);
    expect(r.stderr).toBe(`ERROR: ${message}\n`);
    expect(r.code).toBe(1);
  });

  const updates: [string, string][] = [
    ['--enable-acns --disable-acns', 'Cannot specify --enable-acns and --disable-acns at the same time.'],
    ['--disable-acns --disable-acns-observability', '--disable-acns does not use any additional acns arguments.'],
    ['--disable-acns --disable-acns-security', '--disable-acns does not use any additional acns arguments.'],
    ['--disable-acns --acns-transit-encryption-type None', 'Cannot specify --acns-transit-encryption-type and --disable-acns at the same time.'],
    ['--acns-transit-encryption-type WireGuard --disable-acns-security', 'Cannot specify --acns-transit-encryption-type and --disable-acns-security at the same time.'],
    ['--acns-transit-encryption-type WireGuard', '--acns-transit-encryption-type requires ACNS to be enabled on the cluster. Use --enable-acns together with --acns-transit-encryption-type.'],
    ['--enable-acns --disable-acns --disable-acns-security', 'Cannot specify --enable-acns and --disable-acns at the same time.'],
  ];
  test.each(updates)('update %s', async (flags, message) => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --network-dataplane cilium')).code).toBe(0);
    const r = await s.run(`cluster update -g RG -n C ${flags}`);
    expect(r.stderr).toBe(`ERROR: ${message}\n`);
    expect(r.code).toBe(1);
  });

  test('transit type alone on an ACNS cluster edits it in place and keeps the rest', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C --network-dataplane cilium --enable-acns --disable-acns-observability');
    const r = await s.run('cluster update -g RG -n C --acns-transit-encryption-type WireGuard');
    expect(r.code).toBe(0);
    expect(r.json().networkProfile.advancedNetworking).toEqual({
      enabled: true,
      observability: { enabled: false },
      security: { advancedNetworkPolicies: 'FQDN', enabled: true, transitEncryption: { type: 'WireGuard' } },
    });
  });

  test('ACNS shapes: plain, non-Cilium, disabled, security off', async () => {
    const s = session();
    const plain = await s.run('cluster create -g RG -n A --network-dataplane cilium --enable-acns');
    expect(plain.json().networkProfile.advancedNetworking.security).toEqual({
      advancedNetworkPolicies: 'FQDN',
      enabled: true,
      transitEncryption: { type: 'None' },
    });
    const azure = await s.run('cluster create -g RG -n B --enable-acns');
    expect(azure.json().networkProfile.advancedNetworking).toEqual({ enabled: true, observability: { enabled: true }, security: { enabled: false } });
    const off = await s.run('cluster update -g RG -n A --disable-acns');
    expect(off.json().networkProfile.advancedNetworking).toEqual({ enabled: false, observability: { enabled: false }, security: { enabled: false } });
    const nosec = await s.run('cluster create -g RG -n D --network-dataplane cilium --enable-acns --disable-acns-security');
    expect(nosec.json().networkProfile.advancedNetworking.security).toEqual({ enabled: false });
  });

  test('update with nothing to change lists the options, sorted and quoted', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster update -g RG -n C');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'ERROR: Please specify one or more of "--acns-transit-encryption-type" or "--disable-acns" or "--disable-acns-observability" or "--disable-acns-security" or "--disable-wireguard" or "--enable-acns" or "--enable-wireguard" or "--encryption-strict-egress-cidr".\n',
    );
  });
});

describe('argument errors (exit 2)', () => {
  test.each([
    ['cluster create -g RG -n C --disable-acns', 'ERROR: unrecognized arguments: --disable-acns\n'],
    ['cluster create -g RG -n C --foo bar --baz', 'ERROR: unrecognized arguments: --foo bar --baz\n'],
    ['cluster create -g RG -n C extra', 'ERROR: unrecognized arguments: extra\n'],
    ['cluster create', 'ERROR: the following arguments are required: --resource-group/-g, --name/-n\n'],
    ['cluster show -n C', 'ERROR: the following arguments are required: --resource-group/-g\n'],
    ['cluster create -g RG -n C --network-plugin foo', "ERROR: aks-wg cluster create: 'foo' is not a valid value for '--network-plugin'. Allowed values: azure, kubenet, none.\n"],
    ['cluster create -g RG -n C --acns-transit-encryption-type ipsec', "ERROR: aks-wg cluster create: 'ipsec' is not a valid value for '--acns-transit-encryption-type'. Allowed values: None, WireGuard.\n"],
    ['cluster show -g RG -n C -o xml', "ERROR: aks-wg cluster show: 'xml' is not a valid value for '-o'. Allowed values: json, jsonc, none, table, tsv, yaml, yamlc.\n"],
    ['cluster create -g RG -n C -c many', "ERROR: argument --node-count/-c: invalid int value: 'many'\n"],
    ['cluster create -g RG -n C -c', 'ERROR: argument --node-count/-c: expected one argument\n'],
    ['cluster show -g RG -n C --query [', "ERROR: argument --query: invalid jmespath_type value: '['\n"],
    ['cluster frobnicate', "ERROR: 'frobnicate' is misspelled or not recognized by the system.\n"],
    ['clusters list', "ERROR: 'clusters' is misspelled or not recognized by the system.\n"],
  ])('%s', async (argv, stderr) => {
    const r = await run(argv);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  test('enum values match case-insensitively and are stored canonically', async () => {
    const r = await run('cluster create -g RG -n C --NETWORK-DATAPLANE cilium');
    expect(r.code).toBe(2);
    const ok = await run('cluster create -g RG -n C --network-dataplane CILIUM --network-plugin AZURE --enable-acns --acns-transit-encryption-type wIrEgUaRd');
    expect(ok.code).toBe(0);
    expect(ok.json().networkProfile.networkDataplane).toBe('cilium');
    expect(ok.json().networkProfile.advancedNetworking.security.transitEncryption.type).toBe('WireGuard');
  });

  test('help exits 0 and prints usage on stdout', async () => {
    const r = await run('cluster create --help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: aks-wg cluster create');
    expect(r.stdout).toContain('--acns-transit-encryption-type');
  });
});

describe('names, counts, existence', () => {
  test.each([
    ['cluster create -g RG -n bad.name', '--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).'],
    [`cluster create -g RG -n ${'a'.repeat(64)}`, '--name cannot exceed 63 characters and can only contain letters, numbers, underscores (_) or dashes (-).'],
    ['cluster create -g RG -n -bad', null],
    ['cluster create -g RG -n C --nodepool-name Pool1', '--nodepool-name must start with a lowercase letter and contain only lowercase letters and numbers'],
    ['cluster create -g RG -n C --nodepool-name pool_1', '--nodepool-name should contain only alphanumeric characters'],
    ['cluster create -g RG -n C --nodepool-name abcdefghijklm', '--nodepool-name can contain at most 12 characters'],
  ])('%s', async (argv, message) => {
    const r = await run(argv);
    if (message === null) {
      expect([1, 2]).toContain(r.code);
      return;
    }
    expect(r.stderr).toBe(`ERROR: ${message}\n`);
    expect(r.code).toBe(1);
  });

  test('a 63-character name and a one-character name are fine', async () => {
    const s = session();
    expect((await s.run(`cluster create -g RG -n ${'a'.repeat(63)}`)).code).toBe(0);
    expect((await s.run('cluster create -g RG -n b')).code).toBe(0);
  });

  test('system pool counts 1..1000', async () => {
    const s = session();
    const zero = await s.run('cluster create -g RG -n C -c 0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain("(InvalidParameter) The node count 0 of agent pool 'nodepool1' is out of range: a System pool takes 1 to 1000 nodes.");
    expect((await s.run('cluster create -g RG -n C -c 1001')).code).toBe(1);
    expect((await s.run('cluster create -g RG -n C -c -5')).code).toBe(1);
    expect((await s.run('cluster list')).json()).toEqual([]);
  });

  test('create on an existing cluster (names are case-insensitive)', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster create -g rg -n c');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "ERROR: The cluster 'c' under resource group 'rg' already exists. Please use command 'aks-wg cluster update' to update the existing cluster, or select a different cluster name to create a new cluster.\n",
    );
  });

  test.each(['cluster show -g RG -n C', 'cluster update -g RG -n C --enable-acns', 'cluster delete -g RG -n C --yes'])('not found: %s (exit 3)', async (argv) => {
    const r = await run(argv);
    const msg = "The Resource 'Microsoft.ContainerService/managedClusters/C' under resource group 'RG' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix";
    expect(r.stderr).toBe(`ERROR: (ResourceNotFound) ${msg}\nCode: ResourceNotFound\nMessage: ${msg}\n`);
    expect(r.code).toBe(3);
  });
});

describe('delete', () => {
  test('without --yes and without a terminal: warning, cancelled, exit 1, cluster kept', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster delete -g RG -n C');
    expect(r.stderr).toBe('WARNING: Unable to prompt for confirmation as no tty available. Use --yes.\nERROR: Operation cancelled.\n');
    expect(r.code).toBe(1);
    expect((await s.run('cluster show -g RG -n C')).code).toBe(0);
  });
  test('with a terminal it prompts; "y" deletes', async () => {
    const s = session({ tty: true, stdin: 'y\n' });
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster delete -g RG -n C');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Are you sure you want to perform this operation? (y/n): ');
    expect((await s.run('cluster show -g RG -n C')).code).toBe(3);
  });
  test('--yes deletes and prints nothing', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C');
    const r = await s.run('cluster delete -g RG -n C --yes');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect((await s.run('cluster list')).json()).toEqual([]);
  });
});

describe('output formats', () => {
  test('table, tsv, yaml, none, --query, --no-wait', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --no-wait')).stdout).toBe('');
    const table = await s.run('cluster show -g RG -n C -o table');
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual(['Name', 'Location', 'ResourceGroup', 'KubernetesVersion', 'CurrentKubernetesVersion', 'ProvisioningState', 'Fqdn']);
    expect(lines[1]).toMatch(/^-+( {2}-+){6}$/);
    expect(lines[2]!.split(/\s{2,}/).slice(0, 6)).toEqual(['C', 'eastus', 'RG', '1.33', '1.33.0', 'Succeeded']);
    const list = await s.run('cluster list -o table');
    expect(list.stdout.split('\n')[0]).toBe(lines[0]);
    expect((await s.run('cluster show -g RG -n C --query name -o tsv')).stdout).toBe('C\n');
    expect((await s.run('cluster show -g RG -n C --query "{n:name,pools:agentPoolProfiles}" -o tsv'.replace(/"/g, ''))).stdout).toBe('C\t1\n');
    expect((await s.run(['cluster', 'show', '-g', 'RG', '-n', 'C', '--query', 'agentPoolProfiles[0].{name:name, count:count}'])).json()).toEqual({ count: 3, name: 'nodepool1' });
    expect((await s.run(['cluster', 'show', '-g', 'RG', '-n', 'C', '--query', '{Name:name}', '-o', 'table'])).stdout).toBe('Name\n------\nC\n'.replace('------', '----'));
    expect((await s.run('cluster show -g RG -n C -o none')).stdout).toBe('');
    const yaml = (await s.run('cluster show -g RG -n C -o yaml')).stdout;
    expect(yaml).toMatch(/^agentPoolProfiles:\n- count: 3\n/);
    expect(yaml).toContain('\nnetworkProfile:\n  advancedNetworking: null\n');
    const tsv = (await s.run('cluster show -g RG -n C -o tsv')).stdout;
    expect(tsv.split('\t')[0]).toBe('1'); // agentPoolProfiles is a list: its length
  });
  test('colour only on a terminal and only without NO_COLOR', async () => {
    const tty = session({ tty: true });
    await tty.run('cluster create -g RG -n C');
    expect((await tty.run('cluster show -g RG -n C -o jsonc')).stdout).toContain('\u001b[');
    const noColor = session({ tty: true, vars: { NO_COLOR: '1' } });
    await noColor.run('cluster create -g RG -n C');
    expect((await noColor.run('cluster show -g RG -n C -o jsonc')).stdout).not.toContain('\u001b[');
    const piped = session();
    await piped.run('cluster create -g RG -n C');
    const out = await piped.run('cluster show -g RG -n C -o jsonc');
    expect(out.stdout).not.toContain('\u001b[');
    expect(JSON.parse(out.stdout).name).toBe('C');
  });
  test('no spinner output when stderr is not a terminal', async () => {
    const r = await run('cluster create -g RG -n C');
    expect(r.stderr).toBe('');
  });
  test('stack traces only with --debug', async () => {
    const plain = await run('cluster show -g RG -n C');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await run('cluster show -g RG -n C --debug');
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
