// The fabric on its own, with hand-made configurations (no CLI): what the receiving device checks, and peers
// following configuration changes.
import { parseIPv4 } from '../../src/net/ip.js';
import { Fabric, FlowOutcome } from '../../src/fabric/fabric.js';
import { parsePacket } from '../../src/fabric/packets.js';
import type { Endpoint, FabricSetup, Flow, WgConfig } from '../../src/fabric/types.js';
import { SimClock } from '../../src/platform/clock.js';
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { encodeKey, generatePrivateKey, publicKeyFromPrivate, type PrivateKey } from '../../src/wireguard/keys.js';

const NODES = [
  { name: 'node-a', ip: '10.224.0.4', podCidr: '10.244.0.0/24' },
  { name: 'node-b', ip: '10.224.0.5', podCidr: '10.244.1.0/24' },
];
const pod = (name: string, node: string, ip: string): Endpoint => ({ kind: 'pod', name, namespace: 'default', node, ip, hostNetwork: false, ipNum: parseIPv4(ip) });
const A = pod('a', 'node-a', '10.244.0.5');
const B = pod('b', 'node-b', '10.244.1.5');
const flow = (src: Endpoint, dst: Endpoint): Flow => ({ src, dst, service: null, protocol: 'TCP', port: 8080 });

function config(node: string, key: PrivateKey, peers: { node: string; key: PrivateKey; ip: string; allowed: string[] }[]): WgConfig {
  return {
    node,
    privateKey: key,
    publicKey: encodeKey(publicKeyFromPrivate(key)),
    listenPort: 51871,
    mtu: 1420,
    peers: peers.map((p) => ({ node: p.node, publicKey: encodeKey(publicKeyFromPrivate(p.key)), endpoint: { address: p.ip, port: 51871 }, allowedIps: p.allowed })),
  };
}

function setup(bAllowsFromA: string[], keys = { a: generatePrivateKey(seededRng('a')), b: generatePrivateKey(seededRng('b')) }): FabricSetup {
  return {
    nodes: NODES,
    clusterOff: null,
    wireguard: new Map([
      ['node-a', config('node-a', keys.a, [{ node: 'node-b', key: keys.b, ip: '10.224.0.5', allowed: ['10.224.0.5/32', '10.244.1.5/32'] }])],
      ['node-b', config('node-b', keys.b, [{ node: 'node-a', key: keys.a, ip: '10.224.0.4', allowed: bAllowsFromA }])],
    ]),
  };
}

function fabric(s: FabricSetup) {
  const wire: { node: string; packet: Uint8Array }[] = [];
  const f = new Fabric(s, { clock: new SimClock(Date.UTC(2026, 0, 1)), rng: seededRng('fabric'), backend: sodiumBackend, capture: (_t, packet, node) => wire.push({ node, packet }) });
  return { f, wire };
}

describe('Fabric', () => {
  test('a pod packet across nodes is sealed by the source device and opened by the destination device', () => {
    const { f, wire } = fabric(setup(['10.224.0.4/32', '10.244.0.5/32']));
    const out = new FlowOutcome();
    f.run(flow(A, B), out);
    expect(out).toMatchObject({ encrypted: true, iface: 'cilium_wg0', verdict: 'FORWARDED', cause: 'encrypted', causeNode: 'node-b' });
    // initiation (a→b), response (b→a), the data (a→b): all UDP 51871 between node IPs, valid checksums
    const parsed = wire.map((w) => parsePacket(w.packet)!);
    expect(parsed.map((p) => [p.payload[0], p.srcPort, p.dstPort])).toEqual([
      [1, 51871, 51871],
      [2, 51871, 51871],
      [4, 51871, 51871],
    ]);
    expect(wire.map((w) => w.node)).toEqual(['node-a', 'node-b', 'node-a']);
    expect(parsed.every((p) => p.headerChecksumOk && p.l4ChecksumOk)).toBe(true);
    expect(out.wgSession).toBe(Buffer.from(parsed[2]!.payload).readUInt32LE(4));
    expect(f.counters.initiations).toBe(1);
  });

  test('the destination drops a packet whose inner source is not in the sending peer\'s AllowedIPs', () => {
    const { f, wire } = fabric(setup(['10.224.0.4/32'])); // node-b does not list pod a's IP for node-a
    const out = new FlowOutcome();
    f.run(flow(A, B), out);
    expect(out).toMatchObject({ encrypted: false, verdict: 'DROPPED', dropReason: 'WIREGUARD_DISALLOWED_SOURCE', engineDrop: 'disallowed-source', causeNode: 'node-b' });
    expect(wire).toHaveLength(3); // it did cross the wire, sealed
    expect(f.device('node-b')!.drops['disallowed-source']).toBe(1);
  });

  test('a changed key re-creates the peer: the next packet needs a new handshake; a removed config removes the device', () => {
    const keys = { a: generatePrivateKey(seededRng('a')), b: generatePrivateKey(seededRng('b')) };
    const { f, wire } = fabric(setup(['10.224.0.4/32', '10.244.0.5/32'], keys));
    const out = new FlowOutcome();
    f.run(flow(A, B), out);
    f.run(flow(A, B), out);
    expect(wire.filter((w) => parsePacket(w.packet)!.payload[0] === 1)).toHaveLength(1);
    // node-b is reimaged: new key everywhere
    f.configure(setup(['10.224.0.4/32', '10.244.0.5/32'], { a: keys.a, b: generatePrivateKey(seededRng('b2')) }));
    f.run(flow(A, B), out);
    expect(out.encrypted).toBe(true);
    expect(wire.filter((w) => parsePacket(w.packet)!.payload[0] === 1)).toHaveLength(2);
    // WireGuard off on node-b: no device there, no peer on node-a: plaintext
    const s = setup(['10.224.0.4/32', '10.244.0.5/32'], keys);
    f.configure({ ...s, wireguard: new Map([['node-a', { ...(s.wireguard as Map<string, WgConfig>).get('node-a')!, peers: [] }], ['node-b', null]]) });
    expect(f.device('node-b')).toBeUndefined();
    f.run(flow(A, B), out);
    expect(out).toMatchObject({ encrypted: false, iface: 'eth0', cause: 'destination-not-a-peer', eth0Plaintext: 1 });
  });
});
