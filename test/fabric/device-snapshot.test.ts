// Device snapshots: sessions survive a stop and a rebuild of the device from its keys (fabric/device-snapshot.ts, through Device.exportSessions/restoreSessions).
import { SimClock } from '../../src/platform/clock.js';
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { Device, type Peer } from '../../src/wireguard/device.js';
import { encodeKey } from '../../src/wireguard/keys.js';
import { packPeer, restoreDevice, snapshotDevice, unpackPeer } from '../../src/fabric/device-snapshot.js';
import { A_ENDPOINT, A_IP, B_ENDPOINT, B_IP, eventsOf, ipv4Packet, makePair } from '../wireguard/sim.js';

/** A fresh device with the same key and peer as `old`, on `clock`, collecting what it sends and delivers. */
function rebuild(old: Device, clock: SimClock, peerKey: Uint8Array, peerEndpoint: typeof A_ENDPOINT, allowed: string, seed: string) {
  const sent: Uint8Array[] = [];
  const delivered: Uint8Array[] = [];
  const d = new Device({
    privateKey: old.revealPrivateKey(),
    clock,
    rng: seededRng(seed),
    backend: sodiumBackend,
    send: (x) => sent.push(x),
    deliver: (p) => delivered.push(p),
  });
  const peer: Peer = d.addPeer({ publicKey: peerKey as never, endpoint: peerEndpoint, allowedIps: [`${allowed}/32`] });
  return { d, peer, sent, delivered };
}

/** Two devices whose first packet (A → B) made a session. */
function handshaken(seed: string) {
  const pair = makePair({ seed });
  pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
  pair.flush();
  return pair;
}

describe('device snapshot', () => {
  test('restored sessions keep sending and receiving without a new handshake, counters continue', () => {
    const pair = makePair({ seed: 'snap' });
    pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
    pair.flush();
    pair.b.sendPacket(ipv4Packet(B_IP, A_IP));
    pair.flush();
    expect(pair.delivered).toHaveLength(2);
    const before = pair.peerOfA.stats().currentSession!;
    const snapA = JSON.parse(JSON.stringify(snapshotDevice(pair.a)));
    const snapB = JSON.parse(JSON.stringify(snapshotDevice(pair.b)));
    // no key material in the clear except as hex fields of the snapshot: the device's own private key is absent
    expect(JSON.stringify(snapA)).not.toContain(Buffer.from(pair.a.revealPrivateKey()).toString('hex'));
    pair.clock.advance(30_000);
    const a2 = rebuild(pair.a, pair.clock, pair.b.publicKey, B_ENDPOINT, B_IP, 'a2');
    const b2 = rebuild(pair.b, pair.clock, pair.a.publicKey, A_ENDPOINT, A_IP, 'b2');
    expect(restoreDevice(a2.d, snapA)).toBe(1);
    expect(restoreDevice(b2.d, snapB)).toBe(1);
    const after = a2.peer.stats().currentSession!;
    expect(after.localIndex).toBe(before.localIndex);
    expect(after.remoteIndex).toBe(before.remoteIndex);
    expect(after.ageMs).toBe(before.ageMs + 30_000);
    // A sends: a transport message (type 4) on the old session, with the next counter; B opens it
    a2.d.sendPacket(ipv4Packet(A_IP, B_IP, 56, 2));
    expect(a2.sent).toHaveLength(1);
    const msg = a2.sent[0]!;
    expect(msg[0]).toBe(4);
    expect(Buffer.from(msg).readUInt32LE(4)).toBe(before.remoteIndex);
    expect(Buffer.from(msg).readBigUInt64LE(8)).toBe(before.sendCounter);
    b2.d.receive(msg, A_ENDPOINT);
    expect(b2.delivered).toHaveLength(1);
    // the replay window came back too: the message B already saw before the snapshot is refused
    const old = pair.sent.find((s) => s.from === 'a' && s.datagram[0] === 4 && s.datagram.length > 32)!;
    b2.d.receive(old.datagram, A_ENDPOINT);
    expect(b2.d.drops['replayed-counter']).toBe(1);
    expect(b2.delivered).toHaveLength(1);
  });

  test('a packed record round-trips every field; a damaged one is refused and restores nothing', () => {
    const pair = handshaken('packed');
    pair.b.sendPacket(ipv4Packet(B_IP, A_IP));
    pair.flush();
    const snap = JSON.parse(JSON.stringify(snapshotDevice(pair.b)));
    const key = encodeKey(pair.a.publicKey);
    const packed: string = snap.peers[key];
    const decoded = unpackPeer(key, packed);
    expect(packPeer(decoded)).toBe(packed);
    expect(decoded.keypairs).toHaveLength(1);
    expect(decoded.keypairs[0]!.replayBitmap!.some((w) => w !== 0)).toBe(true);
    expect(decoded.rxBytes).toBeGreaterThan(0);
    // a record with a replay window of several words, a pending handshake and a timestamp survives packing
    const rich = { ...decoded, pending: { localIndex: 7, chainingKey: new Uint8Array(32).fill(1), hash: new Uint8Array(32).fill(2), ephemeralPrivate: new Uint8Array(32).fill(3) }, latestTimestamp: new Uint8Array(12).fill(9) };
    rich.keypairs = [{ ...decoded.keypairs[0]!, replayBitmap: Uint32Array.from({ length: 256 }, (_, i) => (i % 50 === 0 ? 0xffffffff : 0)) }];
    expect(unpackPeer(key, packPeer(rich))).toEqual(rich);
    // damaged: not base64, truncated, bytes left over, unknown flags, a bad slot
    const bytes = Buffer.from(packed, 'base64');
    // flags, endpoint (length, address, port), keypair count: then the first keypair's slot
    const withByte = (b: Buffer, at: number, v: number) => {
      const copy = Buffer.from(b);
      copy[at] = v;
      return copy.toString('base64');
    };
    const damaged = [
      '%%%%',
      bytes.subarray(0, bytes.length - 1).toString('base64'),
      Buffer.concat([bytes, Buffer.from([0])]).toString('base64'),
      Buffer.concat([Buffer.from([0x80]), bytes.subarray(1)]).toString('base64'),
      withByte(bytes, 1 + 1 + decoded.endpoint!.address.length + 2 + 1, 3),
    ];
    for (const bad of damaged) {
      const b2 = rebuild(pair.b, pair.clock, pair.a.publicKey, A_ENDPOINT, A_IP, 'bad');
      expect(() => restoreDevice(b2.d, { ...snap, peers: { [key]: bad } })).toThrow(RangeError);
      expect(b2.peer.stats().currentSession).toBeUndefined();
    }
    const good = rebuild(pair.b, pair.clock, pair.a.publicKey, A_ENDPOINT, A_IP, 'good');
    expect(restoreDevice(good.d, snap)).toBe(1);
    expect(good.peer.stats().currentSession).toBeDefined();
  });

  test('a version 1 snapshot (JSON objects) is not read: those sessions start afresh', () => {
    const pair = handshaken('v1');
    const snap = snapshotDevice(pair.a);
    const a2 = rebuild(pair.a, pair.clock, pair.b.publicKey, B_ENDPOINT, B_IP, 'v1');
    expect(restoreDevice(a2.d, { ...snap, version: 1 })).toBe(0);
    expect(a2.peer.stats().currentSession).toBeUndefined();
  });

  test('a snapshot of another identity or of unknown peers restores nothing; timers and age limits still apply', () => {
    const pair = handshaken('snap2');
    const snapA = snapshotDevice(pair.a);
    const other = makePair({ seed: 'other' });
    expect(restoreDevice(other.a, snapA)).toBe(0);
    // restored 200 s later, the session is too old to send on: the device handshakes again
    pair.clock.advance(200_000);
    const a2 = rebuild(pair.a, pair.clock, pair.b.publicKey, B_ENDPOINT, B_IP, 'a3');
    expect(restoreDevice(a2.d, snapA)).toBe(1);
    a2.d.sendPacket(ipv4Packet(A_IP, B_IP));
    expect(a2.sent.map((m) => m[0])).toEqual([1]);
    expect(eventsOf(pair, 'session-established').length).toBeGreaterThan(0);
  });

  test('a pending initiation survives: the response to it is accepted after the restore', () => {
    const pair = makePair({ seed: 'snap3' });
    pair.link = () => false; // lose everything: the initiation stays unanswered
    pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
    pair.flush();
    const initiation = pair.sent.find((s) => s.from === 'a')!.datagram;
    const snapA = snapshotDevice(pair.a);
    expect(unpackPeer(encodeKey(pair.b.publicKey), snapA.peers[encodeKey(pair.b.publicKey)]!).pending).not.toBeNull();
    const a2 = rebuild(pair.a, pair.clock, pair.b.publicKey, B_ENDPOINT, B_IP, 'a4');
    restoreDevice(a2.d, snapA);
    // B answers the original initiation; the rebuilt A completes the handshake and sends a keepalive
    pair.link = () => true;
    pair.b.receive(initiation, A_ENDPOINT);
    const response = pair.inFlight.find((s) => s.from === 'b')!.datagram;
    a2.d.receive(response, B_ENDPOINT);
    expect(a2.peer.stats().currentSession).toBeDefined();
    expect(a2.sent.some((m) => m[0] === 4)).toBe(true);
  });
});
