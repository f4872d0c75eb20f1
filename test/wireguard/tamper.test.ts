// Tampering: every single-bit flip and every truncation of each message type is rejected, and 10,000 random
// mutations are neither accepted nor crash the device. Each suite ends with the untouched message being accepted,
// which proves the rejected copies changed no state and that acceptance was possible at all. Every suite runs on the
// production backend (sodium) and on the noble reference.
import fc from 'fast-check';
import type { CryptoBackend } from '../../src/wireguard/crypto-backend.js';
import { INITIATION_SIZE, REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from '../../src/wireguard/constants.js';
import { A_ENDPOINT, A_IP, B_ENDPOINT, B_IP, ipv4Packet, makePair, type Pair } from './sim.js';
import { backends } from './vectors.js';

/** Acceptance counters: anything that would show a message got through. */
function accepted(p: Pair): number {
  const types = new Set(['handshake-response-sent', 'session-established', 'session-confirmed', 'cookie-reply-received', 'keepalive-received']);
  return p.events.filter((e) => types.has(e.event.type)).length + p.delivered.length;
}

/**
 * A pair where both devices are under load and each holds the other's cookie (so mac2 is checked and valid), with
 * one message of each type captured before delivery: an initiation, B's response to it, A's first transport data,
 * and (from a second pair) a cookie reply. Without load, mac2 is not checked at all (as in the kernel).
 */
function capture(backend: CryptoBackend) {
  const p = makePair({ seed: 'tamper', backend });
  p.a.setUnderLoad(true);
  p.b.setUnderLoad(true);
  p.b.initiateHandshake(p.peerOfB, false);
  p.flush(); // B's initiation → A's cookie reply, consumed by B
  p.a.sendPacket(ipv4Packet(A_IP, B_IP));
  p.flush(); // A's initiation → B's cookie reply, consumed by A
  expect(p.sent.map((s) => `${s.from}:${s.datagram[0]}`)).toEqual(['b:1', 'a:3', 'a:1', 'b:3']);
  p.link = () => false;
  p.runUntil(p.clock.now() + REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS);
  const initiation = p.sent.filter((s) => s.from === 'a' && s.datagram[0] === 1).pop()!.datagram;
  expect(initiation.length).toBe(INITIATION_SIZE);
  expect(initiation.subarray(132).some((x) => x !== 0)).toBe(true);
  p.inFlight.length = 0;
  p.events.length = 0;

  // a second pair, identical by seed, gives a cookie reply that A has not consumed yet
  const q = makePair({ seed: 'tamper-cookie', backend });
  q.b.setUnderLoad(true);
  q.a.sendPacket(ipv4Packet(A_IP, B_IP));
  q.b.receive(q.inFlight.shift()!.datagram, A_ENDPOINT);
  const cookieReply = q.inFlight.shift()!.datagram;
  expect(cookieReply[0]).toBe(3);
  q.events.length = 0;
  return { p, q, initiation, cookieReply };
}

type Target = { name: string; original: Uint8Array; feed: (m: Uint8Array) => void; pair: Pair };

function targets(backend: CryptoBackend): { list: Target[]; finish: () => void } {
  const { p, q, initiation, cookieReply } = capture(backend);
  // B answers the genuine initiation; that response and A's data are captured for their own targets later
  const list: Target[] = [];
  const initiationTarget: Target = { name: 'initiation', original: initiation, feed: (m) => p.b.receive(m, A_ENDPOINT), pair: p };
  const cookieTarget: Target = { name: 'cookie reply', original: cookieReply, feed: (m) => q.a.receive(m, B_ENDPOINT), pair: q };
  list.push(initiationTarget, cookieTarget);
  return {
    list,
    finish: () => {
      // the untouched messages are accepted
      initiationTarget.feed(initiation);
      expect(p.events.filter((e) => e.event.type === 'handshake-response-sent')).toHaveLength(1);
      cookieTarget.feed(cookieReply);
      expect(q.events.filter((e) => e.event.type === 'cookie-reply-received')).toHaveLength(1);
    },
  };
}

/** The response and transport targets need the handshake one step further. */
function laterTargets(backend: CryptoBackend) {
  const { p, initiation } = capture(backend);
  p.b.receive(initiation, A_ENDPOINT);
  const response = p.inFlight.shift()!.datagram;
  expect(response[0]).toBe(2);
  p.events.length = 0;
  const responseTarget: Target = { name: 'response', original: response, feed: (m) => p.a.receive(m, B_ENDPOINT), pair: p };
  return {
    responseTarget,
    /** Accept the response, then capture A's transport data to B (B still holds the keypair as "next"). */
    advance(): Target {
      p.a.receive(response, B_ENDPOINT);
      expect(p.events.filter((e) => e.event.type === 'session-established')).toHaveLength(1);
      p.inFlight.length = 0; // the staged packet / keepalive A sent; B has not seen it
      p.a.sendPacket(ipv4Packet(A_IP, B_IP, 200, 7));
      const data = p.inFlight.shift()!.datagram;
      expect(data[0]).toBe(4);
      p.events.length = 0;
      p.delivered.length = 0;
      return { name: 'transport', original: data, feed: (m) => p.b.receive(m, A_ENDPOINT), pair: p };
    },
  };
}

function flips(original: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < original.length * 8; i++) {
    const m = Uint8Array.from(original);
    m[i >> 3]! ^= 1 << (i & 7);
    out.push(m);
  }
  return out;
}

function truncations(original: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let n = 0; n < original.length; n++) out.push(original.slice(0, n));
  return out;
}

function rejectAll(t: Target, mutants: Uint8Array[]): void {
  const before = accepted(t.pair);
  const dropsBefore = totalDrops(t.pair);
  for (const m of mutants) {
    t.feed(m);
    t.pair.inFlight.length = 0; // cookie replies B sends under load are not acceptance
  }
  expect(accepted(t.pair)).toBe(before);
  expect(totalDrops(t.pair) - dropsBefore).toBe(mutants.length);
}

function totalDrops(p: Pair): number {
  return [...Object.values(p.a.drops), ...Object.values(p.b.drops)].reduce((a, b) => a + b, 0);
}

describe.each(backends)('every single-bit flip and every truncation is rejected (%s backend)', (_name, backend) => {
  test('initiation and cookie reply', () => {
    const { list, finish } = targets(backend);
    for (const t of list) {
      rejectAll(t, flips(t.original));
      rejectAll(t, truncations(t.original));
    }
    finish();
  });

  test('response, then transport data', () => {
    const later = laterTargets(backend);
    rejectAll(later.responseTarget, flips(later.responseTarget.original));
    rejectAll(later.responseTarget, truncations(later.responseTarget.original));
    const transport = later.advance();
    rejectAll(transport, flips(transport.original));
    rejectAll(transport, truncations(transport.original));
    expect(transport.pair.peerOfB.stats().currentSession).toBeUndefined(); // "next" not confirmed by forgeries
    transport.feed(transport.original);
    expect(transport.pair.delivered).toHaveLength(1);
    expect(transport.pair.peerOfB.stats().currentSession).toBeDefined();
  });
});

const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: length * 8 - 1 }) }),
    fc.record({ kind: fc.constant('bytes' as const), edits: fc.array(fc.tuple(fc.nat({ max: length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), to: fc.nat({ max: length - 1 }) }),
    fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat({ max: length - 1 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
    fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ minLength: 0, maxLength: 200 }) }),
  );

type Mutation = ReturnType<typeof mutation> extends fc.Arbitrary<infer M> ? M : never;

function apply(original: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'flip': {
      const out = Uint8Array.from(original);
      out[m.at >> 3]! ^= 1 << (m.at & 7);
      return out;
    }
    case 'bytes': {
      const out = Uint8Array.from(original);
      for (const [i, v] of m.edits) out[i] = v;
      return out;
    }
    case 'truncate':
      return original.slice(0, m.to);
    case 'extend':
      return Uint8Array.from([...original, ...m.extra]);
    case 'splice': {
      const out = Uint8Array.from(original);
      out.set(m.bytes.subarray(0, out.length - m.at), m.at);
      return out;
    }
    case 'random': {
      // keep the type byte half of the time so deeper checks are reached
      const out = Uint8Array.from(m.bytes);
      if (out.length > 0 && (out[0]! & 1) === 0) out[0] = original[0]!;
      return out;
    }
  }
}

test('without load, mac2 is not checked (kernel and wireguard-go behave the same)', () => {
  const p = makePair({ seed: 'noload' });
  p.a.initiateHandshake(p.peerOfA, false);
  const init = p.inFlight.shift()!.datagram;
  init[140]! ^= 1;
  p.b.receive(init, A_ENDPOINT);
  expect(p.events.filter((e) => e.event.type === 'handshake-response-sent')).toHaveLength(1);
});

describe.each(backends)('property: random mutations of each message type (%s backend)', (_name, backend) => {
  test('10,000 mutations: none accepted, none throws', () => {
    const first = targets(backend);
    const later = laterTargets(backend);
    const all: Target[] = [...first.list, later.responseTarget];
    let runs = 0;
    const check = (t: Target, numRuns: number) =>
      fc.assert(
        fc.property(mutation(t.original.length), (m) => {
          const mutant = apply(t.original, m);
          fc.pre(Buffer.compare(Buffer.from(mutant), Buffer.from(t.original)) !== 0);
          const before = accepted(t.pair);
          t.feed(mutant);
          t.pair.inFlight.length = 0;
          runs++;
          return accepted(t.pair) === before;
        }),
        { numRuns, seed: 20261126 },
      );
    for (const t of all) check(t, 2_500);
    const transport = later.advance();
    check(transport, 2_500);
    expect(runs).toBeGreaterThanOrEqual(10_000);
    // and the originals are still accepted afterwards
    first.finish();
    transport.feed(transport.original);
    expect(transport.pair.delivered).toHaveLength(1);
  });
});
