// A peer's session state out of a device and back into a rebuilt one (Device.exportSessions/restoreSessions,
// wireguard/peer-state.ts), without any stored form: how it is encoded is fabric/device-snapshot.ts's business.
import { seededRng } from '../../src/platform/rng.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { Device, type Peer, type PeerSessionState } from '../../src/wireguard/device.js';
import { A_IP, B_ENDPOINT, B_IP, ipv4Packet, makePair, type Pair } from './sim.js';

/** A device with A's key and B as its only peer, sending into `sent`. */
function rebuildA(pair: Pair) {
  const sent: Uint8Array[] = [];
  const d = new Device({ privateKey: pair.a.revealPrivateKey(), clock: pair.clock, rng: seededRng('rebuilt'), backend: sodiumBackend, send: (x) => sent.push(x) });
  const peer: Peer = d.addPeer({ publicKey: pair.b.publicKey, endpoint: B_ENDPOINT, allowedIps: [`${B_IP}/32`] });
  return { d, peer, sent };
}

/** A deep copy of a state (exportSessions shares the live peer's arrays). */
function copy(s: PeerSessionState): PeerSessionState {
  return {
    ...s,
    keypairs: s.keypairs.map((k) => ({ ...k, sendKey: k.sendKey.slice(), receiveKey: k.receiveKey.slice(), replayBitmap: k.replayBitmap?.slice() ?? null })),
    timers: { ...s.timers, deadline: { ...s.timers.deadline } },
  };
}

describe('Device.exportSessions and restoreSessions', () => {
  test('a restored session keeps its indices, counter, age, counters and timers, and B opens what it sends', () => {
    const pair = makePair({ seed: 'state' });
    pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
    pair.flush();
    const state = copy(pair.a.exportSessions(pair.peerOfA));
    expect(state.keypairs.map((k) => k.slot)).toEqual(['current']);
    expect(state.timers.deadline.newHandshake).toBeDefined();
    const before = pair.peerOfA.stats();
    const a2 = rebuildA(pair);
    expect(a2.d.restoreSessions(a2.peer, state)).toBe(true);
    expect(a2.peer.stats()).toEqual(before);
    expect(a2.peer.timers.deadline.newHandshake).toBe(state.timers.deadline.newHandshake);
    expect(a2.d.nextTimerAt()).toBe(pair.a.nextTimerAt());
    a2.d.sendPacket(ipv4Packet(A_IP, B_IP, 56, 2));
    expect(a2.sent.map((m) => m[0])).toEqual([4]);
    const delivered = pair.delivered.length;
    pair.b.receive(a2.sent[0]!, pair.peerOfB.endpoint!);
    expect(pair.delivered.length).toBe(delivered + 1);
  });

  test('refused, changing nothing: another key, or a peer that already has sessions', () => {
    const pair = makePair({ seed: 'state2' });
    pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
    pair.flush();
    const state = copy(pair.a.exportSessions(pair.peerOfA));
    const a2 = rebuildA(pair);
    expect(a2.d.restoreSessions(a2.peer, { ...state, publicKey: pair.peerOfB.name })).toBe(false);
    expect(a2.peer.stats().currentSession).toBeUndefined();
    expect(pair.a.restoreSessions(pair.peerOfA, copy(state))).toBe(false);
  });

  test('a malformed state throws RangeError and leaves the peer without sessions', () => {
    const pair = makePair({ seed: 'state3' });
    pair.a.sendPacket(ipv4Packet(A_IP, B_IP));
    pair.flush();
    pair.b.sendPacket(ipv4Packet(B_IP, A_IP));
    pair.flush();
    const toA = pair.sent.find((s) => s.from === 'b' && s.datagram[0] === 4)!.datagram;
    const good = copy(pair.a.exportSessions(pair.peerOfA));
    const k = good.keypairs[0]!;
    const bad: PeerSessionState[] = [
      { ...good, keypairs: [{ ...k, sendKey: k.sendKey.subarray(0, 31) }] },
      { ...good, keypairs: [k, { ...k }] },
      { ...good, keypairs: [{ ...k, slot: 'other' as never }] },
      { ...good, latestTimestamp: new Uint8Array(11) },
      { ...good, pending: { localIndex: 1, chainingKey: new Uint8Array(32), hash: new Uint8Array(31), ephemeralPrivate: new Uint8Array(32) } },
    ];
    for (const state of bad) {
      const a2 = rebuildA(pair);
      expect(() => a2.d.restoreSessions(a2.peer, state)).toThrow(RangeError);
      expect(a2.peer.stats().currentSession).toBeUndefined();
      // nothing registered either: a transport message to the session's index is unknown to the rebuilt device
      a2.d.receive(toA, B_ENDPOINT);
      expect(a2.d.drops['unknown-receiver']).toBe(1);
    }
  });
});
