// Timers in simulated time: rekey, expiry, retransmission with jitter, giving up, keepalives, cookies under load.
import {
  KEEPALIVE_TIMEOUT_MS,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_TIME_MS,
  REKEY_ATTEMPT_TIME_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
  ZERO_KEYS_AFTER_MS,
} from '../../src/wireguard/constants.js';
import { readU32 } from '../../src/wireguard/messages.js';
import { A_IP, B_IP, eventsOf, ipv4Packet, makePair } from './sim.js';

describe('timers in simulated time', () => {
  test('10 minutes of continuous traffic: the initiator rekeys every 120 s; nobody sends on a session older than 180 s', () => {
    const p = makePair({ seed: 'continuous' });
    const t0 = p.clock.now();
    // session creation time by (side, index the other side addresses transport to)
    const created = new Map<string, number>();
    const ages: number[] = [];
    let maxAge = 0;
    for (let t = 0; t <= 600_000; t += 250) {
      p.runUntil(t0 + t);
      const before = p.sent.length;
      const deliveredBefore = p.delivered.length;
      p.a.sendPacket(ipv4Packet(A_IP, B_IP, 100, t));
      p.flush();
      // B answers every packet it got, like a ping reply
      for (const d of p.delivered.slice(deliveredBefore)) if (d.on === 'b') p.b.sendPacket(ipv4Packet(B_IP, A_IP, 100, t));
      for (const e of p.events.splice(0)) {
        if (e.event.type === 'session-established') created.set(`${e.on}:${e.event.remoteIndex}`, e.at);
        if (e.event.type === 'session-established' && e.on === 'a') ages.push(e.at - t0);
        // only the initiator of the session rekeys
        if (e.event.type === 'handshake-initiation-sent') expect(e.on).toBe('a');
      }
      for (const s of p.sent.slice(before)) {
        if (s.datagram[0] !== 4) continue;
        const born = created.get(`${s.from}:${readU32(s.datagram, 4)}`);
        expect(born).toBeDefined();
        const age = s.at - born!;
        maxAge = Math.max(maxAge, age);
        expect(age).toBeLessThan(REJECT_AFTER_TIME_MS);
      }
      p.flush();
    }
    // sessions at 0, ~120, ~240, ~360, ~480, ~600 s
    expect(ages.length).toBe(6);
    for (let i = 1; i < ages.length; i++) {
      const gap = ages[i]! - ages[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(REKEY_AFTER_TIME_MS);
      expect(gap).toBeLessThan(REKEY_AFTER_TIME_MS + 1_000);
    }
    expect(maxAge).toBeLessThan(REKEY_AFTER_TIME_MS + 1_000);
    // every packet sent after the first handshake got through
    expect(p.a.drops['transport-unauthenticated'] + p.b.drops['transport-unauthenticated']).toBe(0);
    expect(p.delivered.filter((d) => d.on === 'b').length).toBe(2401);
    expect(p.delivered.filter((d) => d.on === 'a').length).toBe(2401);
  });

  test('unanswered initiation: retransmitted every 5 s + jitter, given up after 90 s', () => {
    const p = makePair({ seed: 'unanswered' });
    p.link = () => false; // B never hears anything
    const t0 = p.clock.now();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.runUntil(t0 + 600_000);
    const times = eventsOf(p, 'handshake-initiation-sent', 'a').map((e) => e.at - t0);
    expect(times[0]).toBe(0);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(REKEY_TIMEOUT_MS);
      expect(gap).toBeLessThan(REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    }
    const gaveUp = eventsOf(p, 'handshake-gave-up', 'a');
    expect(gaveUp).toHaveLength(1);
    const gaveUpAt = gaveUp[0]!.at - t0;
    // the kernel's count: the first initiation plus MAX_TIMER_HANDSHAKES + 1 retries, then give up on the next timer
    expect(times).toHaveLength(REKEY_ATTEMPT_TIME_MS / REKEY_TIMEOUT_MS + 2);
    expect(gaveUpAt).toBeGreaterThanOrEqual(REKEY_ATTEMPT_TIME_MS);
    expect(gaveUpAt).toBeLessThan(REKEY_ATTEMPT_TIME_MS + 3 * (REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS));
    expect(times[times.length - 1]).toBeLessThan(gaveUpAt);
    // jitter is really random, not a constant
    const jitters = new Set(times.slice(1).map((t, i) => t - times[i]!));
    expect(jitters.size).toBeGreaterThan(5);
    // the staged packet was dropped, nothing else sent afterwards
    expect(p.a.drops['handshake-gave-up']).toBe(1);
    expect(p.sent.filter((s) => s.at - t0 > gaveUpAt)).toHaveLength(0);
  });

  test('keepalive after 10 s when data was received and nothing sent', () => {
    const p = makePair({ seed: 'keepalive' });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const t1 = p.clock.now();
    p.runUntil(t1 + 30_000);
    const ka = eventsOf(p, 'keepalive-sent', 'b');
    expect(ka.map((e) => e.at - t1)).toEqual([KEEPALIVE_TIMEOUT_MS]);
    expect(p.a.counters.keepalivesReceived).toBe(1);
  });

  test('new handshake 15 s (+ jitter) after sending data with no reply', () => {
    const p = makePair({ seed: 'silent' });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    p.runUntil(p.clock.now() + 20_000);
    p.link = (s) => s.from === 'a'; // B → A lost from now on
    const t1 = p.clock.now();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.runUntil(t1 + 15_000 + REKEY_TIMEOUT_JITTER_MAX_MS);
    const inits = eventsOf(p, 'handshake-initiation-sent', 'a').filter((e) => e.at > t1);
    expect(inits).toHaveLength(1);
    expect(inits[0]!.at - t1).toBeGreaterThanOrEqual(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS);
    expect(inits[0]!.at - t1).toBeLessThan(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
  });

  test('responder keeps the new keypair as "next" until the first transport packet confirms it', () => {
    const p = makePair({ seed: 'next' });
    p.a.initiateHandshake(p.peerOfA, false);
    p.b.receive(p.inFlight.shift()!.datagram, { address: '127.0.0.1', port: 51001 });
    p.a.receive(p.inFlight.shift()!.datagram, { address: '127.0.0.1', port: 51002 });
    // A is done and sent a keepalive to confirm; B has not seen it yet
    expect(p.peerOfA.stats().currentSession).toBeDefined();
    expect(p.peerOfB.stats().currentSession).toBeUndefined();
    expect(p.peerOfB.stats().lastHandshakeAt).toBeUndefined();
    const keepalive = p.inFlight.shift()!;
    expect(keepalive.datagram.length).toBe(32);
    p.clock.advance(7);
    p.b.receive(keepalive.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.peerOfB.stats().currentSession!.localIndex).toBe(p.peerOfA.stats().currentSession!.remoteIndex);
    expect(p.peerOfB.stats().lastHandshakeAt).toBe(p.clock.now());
    expect(eventsOf(p, 'session-confirmed', 'b')).toHaveLength(1);
  });

  test('a session older than REJECT_AFTER_TIME neither sends nor receives; keys are zeroed after 540 s', () => {
    const p = makePair({ seed: 'expire' });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    const t1 = p.clock.now();
    // capture a packet A sends at 179 s, deliver it after 180 s
    p.link = () => false;
    p.runUntil(t1 + REJECT_AFTER_TIME_MS - 1_000);
    p.inFlight.length = 0;
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    const late = p.inFlight.find((s) => s.datagram[0] === 4)!;
    expect(late).toBeDefined();
    p.clock.set(t1 + REJECT_AFTER_TIME_MS);
    p.b.receive(late.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.drops['expired-session']).toBe(1);
    // at 180 s A stages and handshakes instead of sending on the old session
    p.inFlight.length = 0;
    p.clock.advance(5_000);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    expect(p.inFlight.map((s) => s.datagram[0])).toEqual([1]);
    p.runUntil(t1 + ZERO_KEYS_AFTER_MS + 1_000);
    expect(eventsOf(p, 'keys-zeroed', 'b')).toHaveLength(1);
    expect(p.peerOfB.stats().currentSession).toBeUndefined();
  });

  test('under load: a cookie reply first, then the retransmitted initiation carries mac2 and is answered', () => {
    const p = makePair({ seed: 'load' });
    p.b.setUnderLoad(true);
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    expect(p.sent.map((s) => `${s.from}:${s.datagram[0]}`)).toEqual(['a:1', 'b:3']);
    expect(eventsOf(p, 'cookie-reply-received', 'a')).toHaveLength(1);
    expect(p.b.drops['under-load']).toBe(1);
    // mac2 of the first initiation was zero
    expect(p.sent[0]!.datagram.subarray(132).every((x) => x === 0)).toBe(true);
    p.runUntil(p.clock.now() + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
    const retry = p.sent[2]!;
    expect(retry.datagram[0]).toBe(1);
    expect(retry.datagram.subarray(132).some((x) => x !== 0)).toBe(true);
    expect(p.delivered).toHaveLength(1);
    // the response itself is checked under load too, when A is loaded
    expect(p.b.counters.cookieRepliesSent).toBe(1);
  });

  test('under load, by rate: more handshakes per second than the threshold demand cookies', () => {
    const p = makePair({ seed: 'rate' });
    p.a.initiateHandshake(p.peerOfA, false);
    const init = p.inFlight.shift()!;
    // replays of a valid-mac1 initiation count towards load
    for (let i = 0; i < 1100; i++) p.b.receive(init.datagram, { address: '127.0.0.1', port: 51001 });
    expect(p.b.counters.cookieRepliesSent).toBeGreaterThan(0);
  });
});
