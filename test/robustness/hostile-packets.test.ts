/**
 * Hostile packets at UDP 51871 of fabric nodes: random and mutated payloads, and a rogue machine replaying
 * captured handshakes and transport packets. Every one is dropped and counted by the receiving device, nothing
 * throws, and the legitimate sessions carry on unchanged.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseIPv4 } from '../../src/net/ip.js';
import { Fabric, FlowOutcome } from '../../src/fabric/fabric.js';
import { parsePacket } from '../../src/fabric/packets.js';
import type { Endpoint, FabricSetup, Flow, WgConfig } from '../../src/fabric/types.js';
import { SimClock } from '../../src/platform/clock.js';
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import type { Device } from '../../src/wireguard/device.js';
import { encodeKey, generatePrivateKey, publicKeyFromPrivate, type PrivateKey } from '../../src/wireguard/keys.js';

const NODES = [0, 1, 2].map((i) => ({ name: `node-${i}`, ip: `10.224.0.${4 + i}`, podCidr: `10.244.${i}.0/24` }));
const pod = (i: number): Endpoint => {
  const ip = `10.244.${i}.5`;
  return { kind: 'pod', name: `p${i}`, namespace: 'default', node: `node-${i}`, ip, hostNetwork: false, ipNum: parseIPv4(ip) };
};
const flow = (a: number, b: number): Flow => ({ src: pod(a), dst: pod(b), service: null, protocol: 'TCP', port: 80 });

function build() {
  const keys = NODES.map((n) => generatePrivateKey(seededRng(`key-${n.name}`)));
  const config = (i: number): WgConfig => ({
    node: NODES[i]!.name,
    privateKey: keys[i]!,
    publicKey: encodeKey(publicKeyFromPrivate(keys[i]! as PrivateKey)),
    listenPort: 51871,
    mtu: 1420,
    peers: NODES.filter((_, j) => j !== i).map((n) => {
      const j = NODES.indexOf(n);
      return { node: n.name, publicKey: encodeKey(publicKeyFromPrivate(keys[j]! as PrivateKey)), endpoint: { address: n.ip, port: 51871 }, allowedIps: [`${n.ip}/32`, `10.244.${j}.5/32`] };
    }),
  });
  const setup: FabricSetup = { nodes: NODES, clusterOff: null, wireguard: new Map(NODES.map((n, i) => [n.name, config(i)])) };
  const wire: Uint8Array[] = [];
  const clock = new SimClock(Date.UTC(2026, 0, 1));
  const fabric = new Fabric(setup, { clock, rng: seededRng('hostile'), backend: sodiumBackend, capture: (_t, p) => wire.push(p) });
  return { fabric, wire, clock };
}

const dropped = (d: Device) => Object.values(d.drops).reduce((a, b) => a + b, 0);
const totalDrops = (f: Fabric) => f.devices().reduce((n, { device }) => n + dropped(device), 0);
/** Every peer's current session (indices), which hostile input must not change. */
const sessions = (f: Fabric) =>
  f.devices().map(({ node, device }) => [node, device.peers().map((p) => [p.name, p.stats().currentSession?.localIndex, p.stats().currentSession?.remoteIndex])]);

function legitTraffic(fabric: Fabric) {
  for (const [a, b] of [[0, 1], [1, 0], [0, 2], [2, 1]] as const) {
    const out = new FlowOutcome();
    fabric.run(flow(a, b), out);
    expect(out.encrypted).toBe(true);
  }
}

/** The UDP payloads (WireGuard messages) of captured eth0 packets. */
const payloads = (wire: Uint8Array[]) => wire.map((w) => parsePacket(w)!).filter((p) => p.dstPort === 51871).map((p) => Uint8Array.from(p.payload));

describe('hostile packets at UDP 51871', () => {
  test('10,000 random and mutated datagrams: all dropped and counted, sessions untouched', () => {
    const { fabric, wire } = build();
    legitTraffic(fabric);
    const captured = payloads(wire);
    expect(captured.length).toBeGreaterThan(4);
    const before = sessions(fabric);
    const drops0 = totalDrops(fabric);
    const target = (i: number) => fabric.device(NODES[i % 3]!.name)!;
    const datagram = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      // plausible headers: a message type and zero reserved bytes, so the device parses deeper
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ minLength: 0, maxLength: 180 })).map(([t, rest]) => Uint8Array.from([t, 0, 0, 0, ...rest])),
      // mutations of real captured messages: flipped bits, truncations, extensions
      fc.tuple(fc.constantFrom(...captured), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.constantFrom('flip', 'truncate', 'extend')).map(([m, pos, bit, how]) => {
        const b = Uint8Array.from(m);
        if (how === 'flip') b[pos % b.length]! ^= 1 << bit;
        if (how === 'truncate') return b.subarray(0, pos % b.length);
        if (how === 'extend') return Uint8Array.from([...b, bit]);
        return b;
      }),
    );
    let injected = 0;
    fc.assert(
      fc.property(datagram, fc.nat(), fc.constantFrom('10.224.0.4', '10.224.0.5', '10.224.0.250', '203.0.113.9'), (d, i, from) => {
        expect(() => target(i).receive(d, { address: from, port: 51871 })).not.toThrow();
        injected++;
      }),
      { numRuns: 10_000, seed: 51871 },
    );
    expect(totalDrops(fabric) - drops0).toBe(injected);
    expect(sessions(fabric)).toEqual(before);
    legitTraffic(fabric);
    expect(sessions(fabric)).toEqual(before);
  });

  test('a rogue machine replaying captured handshakes and transport packets: dropped, counted, no effect', () => {
    const { fabric, wire, clock } = build();
    legitTraffic(fabric);
    const captured = payloads(wire);
    const types = new Set(captured.map((p) => p[0]));
    expect(types).toEqual(new Set([1, 2, 4]));
    const before = sessions(fabric);
    const drops0 = totalDrops(fabric);
    clock.advance(2_000);
    let injected = 0;
    for (const from of [{ address: '10.224.0.250', port: 51871 }, ...NODES.map((n) => ({ address: n.ip, port: 51871 }))]) {
      for (const msg of captured) {
        for (const n of NODES) {
          fabric.device(n.name)!.receive(Uint8Array.from(msg), from);
          injected++;
        }
      }
    }
    expect(totalDrops(fabric) - drops0).toBe(injected);
    const reasons = new Set(fabric.devices().flatMap(({ device }) => Object.entries(device.drops).filter(([, n]) => n > 0).map(([r]) => r)));
    for (const r of ['replayed-timestamp', 'replayed-counter']) expect(reasons.has(r as never)).toBe(true);
    expect(sessions(fabric)).toEqual(before);
    legitTraffic(fabric);
    expect(sessions(fabric)).toEqual(before);
  });
});
