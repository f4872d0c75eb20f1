// The WireGuard device on real UDP sockets (wg-host/udp-device.ts), on loopback only: two endpoints handshake over
// the production backend, an inner packet crosses as a sealed datagram and is delivered on the other side, the
// alarm drives the device's timers, and close() releases the port.
import { afterEach, expect, test } from '@jest/globals';
import { waitUntil } from '../../src/platform/clock.js';
import { openUdpSocket } from '../../src/platform/udp.js';
import { seededRng } from '../../src/platform/rng.js';
import { UdpWireGuard } from '../../src/wg-host/udp-device.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { A_IP, B_IP, ipv4Packet } from '../wireguard/sim.js';

const open: UdpWireGuard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

test('two devices on loopback sockets handshake, carry a packet sealed and deliver it; close releases the port', async () => {
  const rng = seededRng('wg-host-udp');
  const aKey = generatePrivateKey(rng);
  const bKey = generatePrivateKey(rng);
  const delivered: Uint8Array[] = [];
  const wire: { direction: 'in' | 'out'; datagram: Uint8Array }[] = [];
  const a = await UdpWireGuard.open({ privateKey: aKey, onWire: (datagram, direction) => wire.push({ direction, datagram: Uint8Array.from(datagram) }) });
  const b = await UdpWireGuard.open({ privateKey: bKey, deliver: (packet) => delivered.push(packet) });
  open.push(a, b);
  expect(a.local.address).toBe('127.0.0.1');
  expect(a.local.port).toBeGreaterThan(0);
  a.device.addPeer({ publicKey: publicKeyFromPrivate(bKey, sodiumBackend), endpoint: b.local, allowedIps: [`${B_IP}/32`] });
  b.device.addPeer({ publicKey: publicKeyFromPrivate(aKey, sodiumBackend), allowedIps: [`${A_IP}/32`] });

  const packet = ipv4Packet(A_IP, B_IP, 100, 7);
  a.sendPacket(packet);
  expect(await waitUntil(() => delivered.length > 0, 5_000, 5)).toBe('done');
  expect(Buffer.from(delivered[0]!).equals(Buffer.from(packet))).toBe(true);
  // what crossed the socket: an initiation out, a response in, then the transport message (type 4) out, sealed
  expect(wire.slice(0, 2).map((w) => [w.direction, w.datagram[0]])).toEqual([['out', 1], ['in', 2]]);
  const transport = wire.find((w) => w.direction === 'out' && w.datagram[0] === 4)!;
  expect(Buffer.from(transport.datagram).indexOf(Buffer.from(packet.subarray(20))) < 0).toBe(true);

  // a pending timer (the responder's keepalive / the initiator's) is armed through the alarm
  expect(a.device.nextTimerAt()).toBeDefined();

  const port = b.local.port;
  await b.close();
  await b.close(); // twice is harmless
  // the port is free again: a plain socket binds it
  const again = await openUdpSocket({ port, onMessage: () => {} });
  expect(again.local.port).toBe(port);
  await again.close();
}, 15_000);

test('a port in use: open() rejects, and nothing is left bound', async () => {
  const first = await openUdpSocket({ onMessage: () => {} });
  await expect(UdpWireGuard.open({ privateKey: generatePrivateKey(seededRng('busy')), listenPort: first.local.port })).rejects.toThrow();
  await first.close();
});
