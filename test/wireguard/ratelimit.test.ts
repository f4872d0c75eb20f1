// Per-source handshake rate limiting under load (kernel ratelimiter.c, wireguard-go ratelimiter/): the token bucket
// on its own, and a device flooded with cookie-holding junk initiations from one source while another source still
// completes its handshake.
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { seededRng } from '../../src/platform/rng.js';
import { INITIATION_SIZE, MESSAGE_INITIATION, REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from '../../src/wireguard/constants.js';
import { CookieGenerator } from '../../src/wireguard/cookie.js';
import { RATELIMIT_MAX_SOURCES, RateLimiter } from '../../src/wireguard/ratelimiter.js';
import { A_ENDPOINT, A_IP, B_IP, eventsOf, ipv4Packet, makePair } from './sim.js';

const V4 = (a: number, b: number, c: number, d: number) => Uint8Array.of(a, b, c, d);

describe('RateLimiter', () => {
  test('a burst of 5, then 20 a second; other sources keep their own buckets', () => {
    const r = new RateLimiter();
    const s = V4(192, 0, 2, 1);
    const allowed = (n: number, at: number) => Array.from({ length: n }, () => r.allow(s, at)).filter(Boolean).length;
    expect(allowed(10, 0)).toBe(5);
    // 50 ms earns one token
    expect(allowed(3, 49)).toBe(0);
    expect(allowed(3, 50)).toBe(1);
    // a quiet second refills the burst, never more
    expect(allowed(20, 1050)).toBe(5);
    // sustained: one every 50 ms is allowed, a second one in the same instant is not
    let ok = 0;
    for (let t = 1100; t < 2100; t += 10) if (r.allow(s, t)) ok++;
    expect(ok).toBe(20);
    // another source is untouched
    expect(Array.from({ length: 6 }, () => r.allow(V4(192, 0, 2, 2), 2100)).filter(Boolean).length).toBe(5);
  });

  test('IPv6 sources share a bucket per /64; IPv4 per address', () => {
    const r = new RateLimiter();
    const a = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? 0x20 : i));
    const b = Uint8Array.from(a);
    b[15] = 0xff; // same /64
    const c = Uint8Array.from(a);
    c[7] = 0x21; // another /64
    for (let i = 0; i < 3; i++) expect(r.allow(a, 0)).toBe(true);
    for (let i = 0; i < 2; i++) expect(r.allow(b, 0)).toBe(true);
    expect(r.allow(b, 0)).toBe(false);
    expect(r.allow(c, 0)).toBe(true);
    expect(r.allow(V4(10, 0, 0, 1), 0)).toBe(true);
  });

  test('an IPv4-mapped IPv6 source (a dual-stack socket) is its IPv4 address, not one bucket for all of IPv4', () => {
    const r = new RateLimiter();
    const mapped = (a: number, b: number, c: number, d: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d);
    for (let i = 0; i < 5; i++) expect(r.allow(mapped(192, 0, 2, 1), 0)).toBe(true);
    expect(r.allow(mapped(192, 0, 2, 1), 0)).toBe(false);
    // the same sender seen over IPv4 shares its bucket; another IPv4 sender has its own
    expect(r.allow(V4(192, 0, 2, 1), 0)).toBe(false);
    expect(r.allow(mapped(192, 0, 2, 2), 0)).toBe(true);
  });

  test('idle sources are forgotten after a second; a full table refuses new sources', () => {
    const r = new RateLimiter();
    for (let i = 0; i < 100; i++) r.allow(V4(10, 0, i, 1), 0);
    expect(r.size).toBe(100);
    r.allow(V4(10, 1, 0, 1), 1500);
    expect(r.size).toBe(1);
    const full = new RateLimiter();
    for (let i = 0; i < RATELIMIT_MAX_SOURCES; i++) expect(full.allow(V4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255), 0)).toBe(true);
    expect(full.allow(V4(11, 0, 0, 1), 0)).toBe(false);
    // a known source still has its tokens
    expect(full.allow(V4(10, 0, 0, 0), 0)).toBe(true);
  });
});

describe('a device under load, flooded from one source', () => {
  test('junk initiations with valid mac1 and mac2 reach DH at most 20 a second (+5); the other source completes its handshake', () => {
    const p = makePair({ seed: 'flood' });
    p.b.setUnderLoad(true);
    const attacker = { address: '192.0.2.66', port: 40_000 };
    const rng = seededRng('flood:junk');
    // the attacker knows B's public key (mac1) and asks for a cookie for its address once (mac2)
    const macs = new CookieGenerator(p.b.publicKey, sodiumBackend);
    const junk = () => {
      const m = rng.bytes(INITIATION_SIZE);
      m[0] = MESSAGE_INITIATION;
      m[1] = m[2] = m[3] = 0;
      macs.addMacs(m, p.clock.now());
      return m;
    };
    const sentBefore = p.sent.length;
    p.b.receive(junk(), attacker);
    const reply = p.sent.slice(sentBefore).find((s) => s.from === 'b' && s.datagram[0] === 3)!;
    expect(macs.consumeReply(reply.datagram, p.clock.now())).toBe(true);
    p.inFlight.length = 0;
    expect(p.b.drops['under-load']).toBe(1);

    // the legitimate peer starts: its first initiation gets a cookie reply, its retry (after REKEY_TIMEOUT) has mac2
    const start = p.clock.now();
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    expect(eventsOf(p, 'cookie-reply-received', 'a')).toHaveLength(1);

    // 2,000 junk initiations a second for 8 s from the attacker, A's timers running alongside
    const FLOOD_MS = 8_000;
    let flood = 0;
    for (let t = 0; t < FLOOD_MS; t++) {
      p.runUntil(start + t);
      p.b.receive(junk(), attacker);
      p.b.receive(junk(), attacker);
      flood += 2;
    }
    p.runUntil(start + FLOOD_MS + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);

    // what reached the DH step failed there (unknown static key): at most the burst plus 20 a second
    const reachedDh = p.b.drops['handshake-unauthenticated'];
    const budget = 5 + (20 * FLOOD_MS) / 1000;
    expect(reachedDh).toBeGreaterThanOrEqual(budget - 2);
    expect(reachedDh).toBeLessThanOrEqual(budget + 1);
    expect(p.b.drops['rate-limited']).toBe(flood - reachedDh);
    // meanwhile A, from its own address, completed the handshake and its packet went through
    expect(p.delivered.map((d) => d.on)).toEqual(['b']);
    expect(eventsOf(p, 'session-established', 'b')).toHaveLength(1);
    expect(eventsOf(p, 'dropped', 'b').filter((e) => e.event.reason === 'rate-limited' && e.event.from?.address === A_ENDPOINT.address)).toHaveLength(0);
  });

  test('not under load, nothing is rate limited (the limit applies with the cookie check)', () => {
    const p = makePair({ seed: 'calm' });
    p.a.initiateHandshake(p.peerOfA, false);
    const init = p.inFlight.shift()!;
    for (let i = 0; i < 50; i++) p.b.receive(init.datagram, A_ENDPOINT);
    expect(p.b.drops['rate-limited']).toBe(0);
  });
});
