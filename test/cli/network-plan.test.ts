/**
 * Issue 12 item 2: AKS rejects address plans and node sizes that cannot work, before anything is stored. Each case
 * names the AKS rule it checks; the messages' sources are listed in src/aks/network.ts.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

const arm = (code: string, message: string) => `ERROR: (${code}) ${message}\nCode: ${code}\nMessage: ${message}\n`;
const invalid = (message: string) => arm('InvalidParameter', message);

/** Every file under the state dir (nothing may be written by a rejected create). */
function stateFiles(home: string): string[] {
  if (!fs.existsSync(home)) return [];
  return fs.readdirSync(home, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(home, f)).isFile());
}

describe('AKS address plan rules on create (exit 1, ARM shape, nothing stored)', () => {
  test.each([
    [
      'dnsServiceIP must be within serviceCidr',
      '--dns-service-ip 192.168.0.10',
      invalid('The DNS service IP 192.168.0.10 (--dns-service-ip) is not within the service CIDR 10.0.0.0/16 (--service-cidr): it must be within the Kubernetes service address range specified in serviceCidr.'),
    ],
    [
      'dnsServiceIP must be within a custom serviceCidr too',
      '--service-cidr 10.100.0.0/16 --dns-service-ip 10.0.0.10',
      invalid('The DNS service IP 10.0.0.10 (--dns-service-ip) is not within the service CIDR 10.100.0.0/16 (--service-cidr): it must be within the Kubernetes service address range specified in serviceCidr.'),
    ],
    [
      'a custom serviceCidr without --dns-service-ip: the default 10.0.0.10 is outside it',
      '--service-cidr 10.100.0.0/16',
      invalid('The default DNS service IP 10.0.0.10 is not within the service CIDR 10.100.0.0/16 (--service-cidr): pass --dns-service-ip with an address within the Kubernetes service address range, such as its .10.'),
    ],
    [
      "dnsServiceIP must not be the service range's network address (Azure/AKS#2579)",
      '--dns-service-ip 10.0.0.0',
      invalid("The DNS service IP 10.0.0.0 (--dns-service-ip) is the service CIDR's network address; use another address in 10.0.0.0/16, such as the default's .10."),
    ],
    [
      "dnsServiceIP must not be the kubernetes service's .1",
      '--dns-service-ip 10.0.0.1',
      invalid("The DNS service IP 10.0.0.1 (--dns-service-ip) is the service CIDR's first address, which is the ClusterIP of the 'kubernetes' API service; use another address in 10.0.0.0/16, such as the default's .10."),
    ],
    [
      'serviceCidr must not overlap a subnet of the VNet (ServiceCidrOverlapExistingSubnetsCidr)',
      '--service-cidr 10.224.0.0/12 --dns-service-ip 10.224.0.10',
      arm('ServiceCidrOverlapExistingSubnetsCidr', 'The specified service CIDR 10.224.0.0/12 is conflicted with an existing subnet CIDR 10.224.0.0/16'),
    ],
    [
      'serviceCidr must not overlap the pod CIDR',
      '--service-cidr 10.244.0.0/16 --dns-service-ip 10.244.0.10',
      invalid('The service CIDR 10.244.0.0/16 (--service-cidr) overlaps the pod CIDR 10.244.0.0/16 (--pod-cidr): a ClusterIP and a pod IP would be the same address. Choose ranges that do not overlap.'),
    ],
    [
      'an overlay pod CIDR must not overlap the node subnet',
      '--pod-cidr 10.224.0.0/14',
      invalid('The pod CIDR 10.224.0.0/14 (--pod-cidr) overlaps the node subnet 10.224.0.0/16: an overlay pod CIDR must not overlap the cluster\'s virtual network. Choose a range outside 10.224.0.0/16.'),
    ],
    [
      'AKS reserves 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24',
      '--service-cidr 172.30.0.0/16 --dns-service-ip 172.30.0.10',
      invalid('The service CIDR 172.30.0.0/16 (--service-cidr) overlaps 172.30.0.0/16, which AKS reserves; choose a range outside 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24.'),
    ],
    [
      'maxPods above 250 on Azure CNI Overlay',
      '--max-pods 251',
      invalid("The value of parameter maxPods is invalid. Agent pool 'nodepool1' asks for 251 pods per node; Azure CNI Overlay takes 10 to 250 (--max-pods)."),
    ],
    [
      'maxPods below 10',
      '--max-pods 9',
      invalid("The value of parameter maxPods is invalid. Agent pool 'nodepool1' asks for 9 pods per node; Azure CNI Overlay takes 10 to 250 (--max-pods)."),
    ],
    [
      'an unsupported Kubernetes version (K8sVersionNotSupported)',
      '--kubernetes-version 1.20',
      arm('K8sVersionNotSupported', 'Version 1.20 is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list (aks-wg offers 1.32, 1.33, 1.34.)'),
    ],
  ])('%s', async (_rule, flags, stderr) => {
    const s = session();
    const r = await s.run(`cluster create -g RG -n C --enable-wireguard -c 1 ${flags}`);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(stateFiles(s.env.home)).toEqual([]);
    expect((await s.run('cluster list')).json()).toEqual([]);
  });

  test('a --dns-service-ip that is not an IPv4 address is a one-line error, exit 1', async () => {
    const s = session();
    const r = await s.run('cluster create -g RG -n C --dns-service-ip 10.0.0.300');
    expect(r.stderr).toBe("ERROR: --dns-service-ip '10.0.0.300' is not an IPv4 address\n");
    expect(r.code).toBe(1);
    expect((await s.run('cluster list')).json()).toEqual([]);
  });

  test('a --max-pods that is not an int is an argument error, exit 2', async () => {
    const r = await session().run('cluster create -g RG -n C --max-pods lots');
    expect(r.stderr).toBe("ERROR: argument --max-pods/-m: invalid int value: 'lots'\n");
    expect(r.code).toBe(2);
  });

  test('plans that fit are accepted: custom ranges, 250 pods, a supported patch version', async () => {
    const s = session();
    const r = await s.run(
      'cluster create -g RG -n C --enable-wireguard -c 1 --pod-cidr 192.168.0.0/16 --service-cidr 10.100.0.0/16 --dns-service-ip 10.100.0.10 --max-pods 250 --kubernetes-version 1.34.1',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mc = r.json();
    expect([mc.networkProfile.serviceCidr, mc.networkProfile.dnsServiceIp, mc.networkProfile.podCidr]).toEqual(['10.100.0.0/16', '10.100.0.10', '192.168.0.0/16']);
    expect([mc.agentPoolProfiles[0].maxPods, mc.kubernetesVersion]).toEqual([250, '1.34.1']);
  });

  test('nodepool add: maxPods above 250 is refused and the pool is not added', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C --enable-wireguard -c 1');
    const r = await s.run('nodepool add -g RG --cluster-name C -n pool2 -c 1 --max-pods 300');
    expect(r.stderr).toBe(invalid("The value of parameter maxPods is invalid. Agent pool 'pool2' asks for 300 pods per node; Azure CNI Overlay takes 10 to 250 (--max-pods)."));
    expect(r.code).toBe(1);
    expect((await s.run('nodepool list -g RG --cluster-name C')).json().map((p: { name: string }) => p.name)).toEqual(['nodepool1']);
  });
});
