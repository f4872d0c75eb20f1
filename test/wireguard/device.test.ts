// Two devices on a simulated link: handshake, transport, routing, drops, and peer changes at runtime.
import { inspect } from 'node:util';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { nobleBackend } from '../../src/wireguard/crypto-backend.js';
import { formatPrefix, parsePrefix, parseIp } from '../../src/net/ip.js';
import { INITIATION, RESPONSE } from '../../src/wireguard/messages.js';
import { generatePresharedKey, parsePublicKey, type PresharedKey } from '../../src/wireguard/keys.js';
import { seededRng } from '../../src/platform/rng.js';
import { A_IP, B_IP, eventsOf, ipv4Packet, makePair } from './sim.js';

describe.each([
  ['noble', nobleBackend],
  ['sodium', sodiumBackend],
])('two devices on the %s backend', (_n, backend) => {
  test('first packet triggers a handshake; staged packet delivered; responder confirms on first transport', () => {
    const p = makePair({ backend });
    const packet = ipv4Packet(A_IP, B_IP, 56);
    p.a.sendPacket(packet);
    expect(p.sent.map((s) => s.datagram.length)).toEqual([148]);
    p.flush();
    // initiation → response → the staged packet (no extra keepalive needed)
    expect(p.sent.map((s) => `${s.from}:${s.datagram[0]}`)).toEqual(['a:1', 'b:2', 'a:4']);
    expect(p.delivered).toHaveLength(1);
    expect(Buffer.from(p.delivered[0]!.packet)).toEqual(Buffer.from(packet));
    expect(eventsOf(p, 'session-established', 'a')[0]!.event.role).toBe('initiator');
    expect(eventsOf(p, 'session-confirmed', 'b')).toHaveLength(1);
    // padded to a multiple of 16: 84 → 96 + 32
    expect(p.sent[2]!.datagram.length).toBe(16 + 96 + 16);
    // both sides agree on the indices
    const sa = p.peerOfA.stats().currentSession!;
    const sb = p.peerOfB.stats().currentSession!;
    expect(sa.remoteIndex).toBe(sb.localIndex);
    expect(sb.remoteIndex).toBe(sa.localIndex);
    expect(p.peerOfA.stats().txBytes).toBe(148 + 128);
    expect(p.peerOfB.stats().rxBytes).toBe(148 + 128);
    // reply the other way
    p.b.sendPacket(ipv4Packet(B_IP, A_IP, 10));
    p.flush();
    expect(p.delivered.map((d) => d.on)).toEqual(['b', 'a']);
  });

  test('with a preshared key; a mismatched preshared key fails the handshake', () => {
    const psk = generatePresharedKey(seededRng('psk'));
    const ok = makePair({ backend, psk });
    ok.a.sendPacket(ipv4Packet(A_IP, B_IP));
    ok.flush();
    expect(ok.delivered).toHaveLength(1);
    const bad = makePair({ backend, psk });
    bad.b.updatePeer(bad.peerOfB, { presharedKey: generatePresharedKey(seededRng('other')) });
    bad.a.sendPacket(ipv4Packet(A_IP, B_IP));
    bad.flush();
    expect(bad.delivered).toHaveLength(0);
    expect(bad.a.drops['handshake-unauthenticated']).toBe(1);
  });
});

describe('device rules', () => {
  test('inner source not in the sender\'s AllowedIPs is dropped', () => {
    const p = makePair();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    p.peerOfA.send(ipv4Packet('10.9.0.77', B_IP));
    p.flush();
    expect(p.delivered).toHaveLength(1);
    expect(p.b.drops['disallowed-source']).toBe(1);
  });

  test('no route: dropped and counted', () => {
    const p = makePair();
    p.a.sendPacket(ipv4Packet(A_IP, '192.168.1.1'));
    expect(p.sent).toHaveLength(0);
    expect(p.a.drops['no-route']).toBe(1);
  });

  test('replayed transport packet is dropped', () => {
    const p = makePair();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const data = p.sent.find((s) => s.datagram[0] === 4)!;
    p.b.receive(data.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.drops['replayed-counter']).toBe(1);
    expect(p.delivered).toHaveLength(1);
  });

  test('replayed initiation (same timestamp) is dropped; a later one is answered', () => {
    const p = makePair();
    p.a.initiateHandshake(p.peerOfA, false);
    const init = p.inFlight.shift()!;
    p.b.receive(init.datagram, { address: '127.0.0.1', port: 51001 });
    p.clock.advance(1_000);
    p.b.receive(init.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.drops['replayed-timestamp']).toBe(1);
    expect(eventsOf(p, 'handshake-response-sent', 'b')).toHaveLength(1);
    p.clock.advance(10_000);
    p.a.initiateHandshake(p.peerOfA, false);
    const second = p.inFlight.pop()!;
    p.b.receive(second.datagram, { address: '127.0.0.1', port: 51001 });
    expect(eventsOf(p, 'handshake-response-sent', 'b')).toHaveLength(2);
  });

  test('flood limit: two valid initiations 10 ms apart, the second dropped', () => {
    const p = makePair();
    // two different initiations generated far apart (distinct timestamps), delivered 10 ms apart
    p.a.initiateHandshake(p.peerOfA, false);
    const first = p.inFlight.shift()!;
    p.clock.advance(6_000);
    p.a.initiateHandshake(p.peerOfA, false);
    const second = p.inFlight.shift()!;
    p.b.receive(first.datagram, { address: '127.0.0.1', port: 51001 });
    p.clock.advance(10);
    p.b.receive(second.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.drops['initiation-flood']).toBe(1);
    p.clock.advance(21);
    p.b.receive(second.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.drops['initiation-flood']).toBe(1);
    expect(eventsOf(p, 'handshake-response-sent', 'b')).toHaveLength(2);
  });

  test('unknown peer: initiation from a key B does not know is dropped without a response', () => {
    const p = makePair();
    p.b.removePeer(p.peerOfB);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    expect(p.b.drops['handshake-unauthenticated']).toBe(1);
    expect(p.sent.filter((s) => s.from === 'b')).toHaveLength(0);
  });

  test('peer removed at runtime: its sessions stop, re-adding works', () => {
    const p = makePair();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const aPub = p.a.publicKey;
    p.b.removePeer(p.peerOfB);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP, 1));
    p.flush();
    expect(p.b.drops['unknown-receiver']).toBe(1);
    const again = p.b.addPeer({ publicKey: aPub, allowedIps: [`${A_IP}/32`] });
    p.clock.advance(6_000);
    p.a.initiateHandshake(p.peerOfA, false);
    p.flush();
    expect(again.stats().lastHandshakeAt).toBe(p.clock.now());
  });

  test('updating AllowedIPs moves routes', () => {
    const p = makePair();
    p.a.updatePeer(p.peerOfA, { allowedIps: ['10.8.0.0/16', 'fd00::/64'] });
    expect(p.peerOfA.allowedIps.map((c) => c.bits)).toEqual([16, 64]);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    expect(p.a.drops['no-route']).toBe(1);
  });

  test('parsed AllowedIPs are kept as given, shared between devices, and checked', () => {
    const p = makePair();
    const shared = [parsePrefix('10.77.0.0/24')!, parsePrefix('10.77.1.7/32')!];
    const other = makePair({ seed: 'other' });
    const onA = p.a.addPeer({ publicKey: other.a.publicKey, allowedIps: shared });
    const onB = p.b.addPeer({ publicKey: other.a.publicKey, allowedIps: shared });
    // the same prefix objects, not copies, on both devices, and they route
    expect(onA.allowedIps[0]).toBe(shared[0]);
    expect(onB.allowedIps[1]).toBe(shared[1]);
    expect(onA.allowedIps.map(formatPrefix)).toEqual(['10.77.0.0/24', '10.77.1.7/32']);
    // routed to that peer (staged: it has no endpoint to handshake with)
    p.a.sendPacket(ipv4Packet(A_IP, '10.77.0.200'));
    expect(onA.stats().stagedPackets).toBe(1);
    // a parsed prefix with host bits set is refused like its text would be (wg clears them; a shared one must be exact)
    const third = makePair({ seed: 'third' });
    expect(() => p.a.addPeer({ publicKey: third.a.publicKey, allowedIps: [{ address: Uint8Array.of(10, 77, 2, 1), bits: 24 }] })).toThrow(
      'allowed IP is not a valid prefix: 10.77.2.1/24',
    );
    expect(() => p.a.addPeer({ publicKey: third.a.publicKey, allowedIps: [{ address: Uint8Array.of(10, 77, 2), bits: 24 }] })).toThrow('not a valid prefix');
  });

  test('low-order, own and duplicate peer keys are refused', () => {
    const p = makePair();
    expect(() => p.a.addPeer({ publicKey: new Uint8Array(32) as never })).toThrow('low-order');
    expect(() => p.a.addPeer({ publicKey: p.a.publicKey })).toThrow('interface public key');
    expect(() => p.a.addPeer({ publicKey: p.b.publicKey })).toThrow('already exists');
    expect(() => parsePublicKey('4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=')).toThrow('low-order');
  });

  test("a peer's and a device's secrets do not show in JSON or util.inspect, even with showHidden", () => {
    const psk = generatePresharedKey(seededRng('psk')) as PresharedKey;
    const p = makePair({ psk });
    // mid-handshake, so the peer holds its handshake state, and the static-static DH is computed
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    const secrets: Uint8Array[] = [psk, p.peerOfA.staticStatic!];
    // the scanner sees a secret held in a plain field, in either form
    for (const secret of secrets) expect(reveals({ field: Uint8Array.from(secret) }, secret)).toBe(true);
    for (const secret of secrets) {
      expect(reveals(p.peerOfA, secret)).toBe(false);
      expect(reveals(p.a, secret)).toBe(false);
    }
    // still readable by the engine and the views
    expect(p.peerOfA.presharedKey).toEqual(psk);
  });

  test('key log entries: one per ephemeral, matching what was sent', () => {
    const p = makePair();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    expect(p.keyLog).toHaveLength(2);
    const init = p.sent[0]!.datagram;
    const eph = nobleBackend.x25519Base(p.keyLog[0]!.localEphemeralPrivate);
    expect(Buffer.from(init.subarray(INITIATION.ephemeral, INITIATION.static))).toEqual(Buffer.from(eph));
    const resp = p.sent[1]!.datagram;
    expect(Buffer.from(resp.subarray(RESPONSE.ephemeral, RESPONSE.empty))).toEqual(Buffer.from(nobleBackend.x25519Base(p.keyLog[1]!.localEphemeralPrivate)));
  });

  test('IPv6 inner packets route and trim by payload length', () => {
    const p = makePair();
    p.a.updatePeer(p.peerOfA, { allowedIps: ['fd00::2/128'] });
    p.b.updatePeer(p.peerOfB, { allowedIps: ['fd00::1/128'] });
    const pkt = new Uint8Array(40 + 3);
    pkt[0] = 0x60;
    pkt[5] = 3;
    pkt[6] = 17;
    pkt.set(parseIp('fd00::1')!, 8);
    pkt.set(parseIp('fd00::2')!, 24);
    p.a.sendPacket(pkt);
    p.flush();
    expect(p.delivered).toHaveLength(1);
    expect(p.delivered[0]!.packet.length).toBe(43);
  });
});

describe('secrets stay out of output', () => {
  test('JSON and enumerable fields of devices, peers and keypairs carry no key material', () => {
    const psk = generatePresharedKey(seededRng('psk')) as PresharedKey;
    const p = makePair({ psk });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const hexes = [p.a.revealPrivateKey(), p.b.revealPrivateKey(), psk, ...p.keyLog.map((k) => k.localEphemeralPrivate)].map((k) =>
      Buffer.from(k).toString('hex'),
    );
    const seen = new Set<unknown>();
    const dump: string[] = [];
    const walk = (o: unknown): void => {
      if (o === null || typeof o !== 'object' || seen.has(o)) return;
      seen.add(o);
      if (o instanceof Uint8Array) return void dump.push(Buffer.from(o).toString('hex'));
      for (const v of Object.values(o)) walk(v);
      if (o instanceof Map) for (const v of o.values()) walk(v);
    };
    walk(p.a);
    walk(p.peerOfA);
    walk(p.peerOfB);
    walk(p.b);
    const all = dump.join(' ');
    for (const h of hexes) expect(all.includes(h)).toBe(false);
    expect(dump.length).toBeGreaterThan(3); // the walk did see byte arrays (public keys)
  });
});

describe('message-count limits', () => {
  test('REKEY_AFTER_MESSAGES starts a handshake; REJECT_AFTER_MESSAGES stops sending on the session', async () => {
    const { REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } = await import('../../src/wireguard/constants.js');
    const p = makePair({ seed: 'limits' });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const kp = p.peerOfA.current!;
    // past REKEY_AFTER_MESSAGES: the packet goes out on the old session and a new initiation follows
    p.clock.advance(6_000);
    kp.sendCounter = REKEY_AFTER_MESSAGES + 1n;
    p.inFlight.length = 0;
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    expect(p.inFlight.map((s) => s.datagram[0])).toEqual([4, 1]);
    // the last usable counter is sent, and the receiver accepts it; then the session is done
    p.inFlight.length = 0;
    p.clock.advance(6_000);
    const bkp = p.peerOfB.current!;
    kp.sendCounter = REJECT_AFTER_MESSAGES - 1n;
    p.a.sendPacket(ipv4Packet(A_IP, B_IP, 1));
    const last = p.inFlight.shift()!;
    expect(last.datagram[0]).toBe(4);
    expect(kp.sendCounter).toBe(REJECT_AFTER_MESSAGES);
    const delivered = p.delivered.length;
    p.b.receive(last.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.delivered.length).toBe(delivered + 1);
    expect(bkp.replay.greatest).toBe(REJECT_AFTER_MESSAGES - 1n);
    p.inFlight.length = 0;
    p.clock.advance(6_000);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP, 2));
    // no transport message: staged, and a handshake instead
    expect(p.inFlight.map((s) => s.datagram[0])).toEqual([1]);
    expect(p.peerOfA.stats().stagedPackets).toBe(1);
  });

  test('persistent keepalive every N seconds', () => {
    const p = makePair({ seed: 'pk' });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    p.a.updatePeer(p.peerOfA, { persistentKeepaliveSeconds: 25 });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP)); // any authenticated traversal arms it
    p.flush();
    const t0 = p.clock.now();
    p.runUntil(t0 + 100_000);
    const times = eventsOf(p, 'keepalive-sent', 'a').map((e) => e.at - t0);
    // B answers A's two packets with keepalives at +10 s and +20 s (the second because more data arrived while the
    // first was pending); each authenticated packet restarts A's 25 s interval, so A's own keepalives follow from +20 s
    const fromB = eventsOf(p, 'keepalive-sent', 'b').map((e) => e.at - t0);
    expect(fromB).toEqual([10_000, 20_000]);
    expect(times.slice(0, 3)).toEqual([45_000, 70_000, 95_000]);
  });
});

/** Does util.inspect (showHidden) or JSON of `o` show `secret`'s bytes, as a byte list, base64 or hex? */
function reveals(o: object, secret: Uint8Array): boolean {
  const inspected = inspect(o, { depth: 8, showHidden: true }).replace(/\s+/g, '');
  const json = JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  const head = [...secret.subarray(0, 8)];
  return (
    inspected.includes(head.join(',')) ||
    json.includes(head.map((b, i) => `"${i}":${b}`).join(',')) ||
    [inspected, json].some((t) => t.includes(Buffer.from(secret).toString('base64')) || t.includes(Buffer.from(secret).toString('hex')))
  );
}
