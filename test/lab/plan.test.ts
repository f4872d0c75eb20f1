// The lab's plan and the pure parts of building and syncing it (no privileges needed): which node routes what into
// cilium_wg0, where strict mode applies, the rogue machine's routes, the `wg set` a live change sends, lab exec's
// targets.
import { macOf, peerChanges } from '../../src/lab/build.js';
import { labPlan, planNamespaces, type LabInput } from '../../src/lab/plan.js';
import { execTarget } from '../../src/commands/lab/lab.js';
import type { WgConfig } from '../../src/fabric/types.js';

const nodes = [
  { name: 'n0', ip: '10.224.0.4', podCidr: '10.244.0.0/24' },
  { name: 'n1', ip: '10.224.0.5', podCidr: '10.244.1.0/24' },
  { name: 'n2', ip: '10.224.0.6', podCidr: '10.244.2.0/24' },
];
const key = (i: number) => `${String.fromCharCode(65 + i).repeat(43)}=`;
const peer = (i: number, pods: string[]) => ({ node: `n${i}`, publicKey: key(i), endpoint: { address: nodes[i]!.ip, port: 51871 }, allowedIps: [`${nodes[i]!.ip}/32`, ...pods] });
const cfg = (i: number, peers: WgConfig['peers']): WgConfig => ({ node: `n${i}`, privateKey: new Uint8Array(32), publicKey: key(i), listenPort: 51871, mtu: 1420, peers });

function input(over: Partial<LabInput> = {}): LabInput {
  return {
    resourceGroup: 'rg',
    name: 'c',
    nodes,
    nodeSubnet: '10.224.0.0/16',
    pods: [
      { namespace: 'default', name: 'a', node: 'n0', ip: '10.244.0.5', hostNetwork: false },
      { namespace: 'default', name: 'b', node: 'n1', ip: '10.244.1.5', hostNetwork: false },
      { namespace: 'kube-system', name: 'h', node: 'n2', ip: '10.224.0.6', hostNetwork: true },
    ],
    // a rolling restart half-way: n0 and n1 run WireGuard and peer with each other; n2 not yet
    wireguard: new Map<string, WgConfig | null>([
      ['n0', cfg(0, [peer(1, ['10.244.1.5/32'])])],
      ['n1', cfg(1, [peer(0, ['10.244.0.5/32'])])],
      ['n2', null],
    ]),
    strictEgressCidr: '10.244.0.0/16',
    ...over,
  };
}

describe('lab plan', () => {
  test('table 201 routes only the peers’ pod CIDRs; strict mode only where the agent runs WireGuard', () => {
    const plan = labPlan(input());
    const [n0, n1, n2] = plan.nodes;
    expect(n0!.wgRoutes).toEqual(['10.244.1.0/24']);
    expect(n1!.wgRoutes).toEqual(['10.244.0.0/24']);
    expect(n2!.wg).toBeNull();
    expect(n2!.wgRoutes).toEqual([]);
    expect([n0!.strictCidr, n1!.strictCidr, n2!.strictCidr]).toEqual(['10.244.0.0/16', '10.244.0.0/16', null]);
    expect(n0!.others).toEqual([
      { podCidr: '10.244.1.0/24', ip: '10.224.0.5' },
      { podCidr: '10.244.2.0/24', ip: '10.224.0.6' },
    ]);
    // the agent's AllowedIPs exactly, endpoint InternalIP:51871
    expect(n0!.wg!.peers).toEqual([{ node: 'n1', publicKey: key(1), endpoint: '10.224.0.5:51871', allowedIps: ['10.224.0.5/32', '10.244.1.5/32'] }]);
    // a peer with only its node IP (no pods) gets no pod CIDR route
    const lonely = labPlan(input({ wireguard: new Map([['n0', cfg(0, [peer(2, [])])]]) }));
    expect(lonely.nodes[0]!.wgRoutes).toEqual([]);
  });

  test('the rogue machine routes the CIDRs of the nodes it believes are peers into its device, the rest out eth0', () => {
    const plan = labPlan(input({ rogue: { name: 'rogue-vm', ip: '10.224.255.254', config: cfg(9, [peer(0, ['10.244.0.5/32'])]) } }));
    expect(plan.rogue!.wgRoutes).toEqual(['10.244.0.0/24']);
    expect(plan.rogue!.others.map((o) => o.podCidr)).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(planNamespaces(plan)).toEqual([plan.vnetNs, ...plan.nodes.map((n) => n.ns), plan.pods[0]!.ns, plan.pods[1]!.ns, plan.rogue!.ns]);
  });

  test('a live change sends removed peers first, then every current peer with its full AllowedIPs', () => {
    const was = labPlan(input()).nodes[0]!.wg!;
    const now = { ...was, peers: [{ node: 'n2', publicKey: key(2), endpoint: '10.224.0.6:51871', allowedIps: ['10.224.0.6/32'] }] };
    expect(peerChanges('cilium_wg0', was, now)).toEqual(['set', 'cilium_wg0', 'peer', key(1), 'remove', 'peer', key(2), 'endpoint', '10.224.0.6:51871', 'allowed-ips', '10.224.0.6/32']);
    expect(peerChanges('cilium_wg0', null, was)).toEqual(['set', 'cilium_wg0', 'peer', key(1), 'endpoint', '10.224.0.5:51871', 'allowed-ips', '10.224.0.5/32,10.244.1.5/32']);
  });

  test('MACs are unicast, locally administered and stable', () => {
    const m = macOf('x/lxc');
    expect(m).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(macOf('x/lxc')).toBe(m);
    expect(macOf('y/lxc')).not.toBe(m);
  });

  test('lab exec targets: pods, hostNetwork pods (their node), nodes; unknown ones are not found', () => {
    const plan = labPlan(input());
    expect(execTarget(plan, 'default/a').ns).toBe(plan.pods[0]!.ns);
    expect(execTarget(plan, 'pod/default/b').ns).toBe(plan.pods[1]!.ns);
    expect(execTarget(plan, 'kube-system/h')).toEqual({ ns: plan.nodes[2]!.ns, what: 'hostNetwork pod kube-system/h (node n2)' });
    expect(execTarget(plan, 'node/n1').ns).toBe(plan.nodes[1]!.ns);
    expect(() => execTarget(plan, 'node/n9')).toThrow("no node named 'n9' in the lab");
    expect(() => execTarget(plan, 'default/zz')).toThrow("no running pod 'zz' in namespace 'default' in the lab");
    expect(() => execTarget(plan, 'a/b/c/d')).toThrow('is not NS/POD');
  });
});
