// Issues 3 and 13: full WireGuard handshakes per second beside raw X25519 ops/s ÷ 8, and transport MB/s at
// 1420-byte packets beside raw ChaCha20-Poly1305 seal/open MB/s, the limits being sodium-native's (the fastest X25519
// and AEAD on the machine, and what the production backend runs on), all measured in this run on this machine.
// Rates are per second of this process's CPU time (process.cpuUsage), so other load on the machine does not skew
// the ratios; each engine figure is paired with the limit measured just before and after it.
import { createCipheriv, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { SimClock } from '../../dist/platform/clock.js';
import { seededRng } from '../../dist/platform/rng.js';
import { sodiumBackend } from '../../dist/wg-host/sodium-backend.js';
import { Device } from '../../dist/wireguard/device.js';
import { generatePrivateKey } from '../../dist/wireguard/keys.js';
import { nobleBackend } from '../../dist/wireguard/crypto-backend.js';

const PACKET = 1420;
const ROUNDS = 15;
const RX_BATCH = 8_000;

/**
 * Measure `engine` between two measurements of `limit`, `ROUNDS` times; the ratio of each round is taken against the
 * mean of the limit just before and after it, so load from other processes on the machine affects both sides alike.
 */
function paired(limit, engine) {
  const limits = [], engines = [], ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const l1 = limit();
    const e = engine();
    const l2 = limit();
    limits.push(l1, l2);
    engines.push(e);
    ratios.push(e / ((l1 + l2) / 2));
  }
  return { limits, engines, ratios };
}

/**
 * The goal ratio of a paired run: the median of the per-round ratios (each engine figure over the limit measured
 * just before and after it), robust to other work on a shared machine; min and max show the spread.
 */
function ratios(ctx, name, run, goal) {
  ctx.record({ name: `${name} (median of ${ROUNDS} paired rounds)`, unit: '×', ...ctx.stats(run.ratios), goal: { op: '>=', value: goal } });
}

/** CPU time this process has used, in ms: other processes on a busy machine do not count against us. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Collect garbage before a timed loop (npm run bench passes --expose-gc), so a collection the untimed set-up's
 * garbage makes due is not charged to whichever side happens to be timed next: each side pays for what it allocates.
 */
function settle() {
  globalThis.gc?.();
}

/** Run `fn(n)` for about `ms` milliseconds of CPU time in batches; returns operations per CPU second. */
function rate(fn, batch, ms = 250) {
  fn(Math.max(1, batch >> 3)); // warm up
  settle();
  let ops = 0;
  const t0 = cpuMs();
  let elapsed = 0;
  while (elapsed < ms) {
    fn(batch);
    ops += batch;
    elapsed = cpuMs() - t0;
  }
  return (ops / elapsed) * 1000;
}

function ipv4(src, dst, total) {
  const p = new Uint8Array(total);
  p[0] = 0x45;
  p[2] = total >> 8;
  p[3] = total & 255;
  p[8] = 64;
  p[9] = 17;
  p.set(src, 12);
  p.set(dst, 16);
  return p;
}

/** Two devices wired back to back in memory, with a completed handshake. */
function pair(backend, seed) {
  const clock = new SimClock(Date.UTC(2026, 0, 1));
  const keyRng = seededRng(`bench:${seed}`);
  const queues = { a: [], b: [] };
  // with capture off, sent datagrams are dropped at once, as a socket would take them (no queue to keep alive)
  const link = { capture: true, sentBytes: 0 };
  const mk = (name, key) =>
    new Device({
      privateKey: key,
      clock,
      rng: seededRng(`bench:${seed}:${name}`),
      backend,
      send: (d) => {
        link.sentBytes += d.length;
        if (link.capture) queues[name].push(d);
      },
    });
  const a = mk('a', generatePrivateKey(keyRng));
  const b = mk('b', generatePrivateKey(keyRng));
  const ea = { address: '127.0.0.1', port: 1 };
  const eb = { address: '127.0.0.1', port: 2 };
  const pa = a.addPeer({ publicKey: b.publicKey, endpoint: eb, allowedIps: ['10.0.0.2/32'] });
  b.addPeer({ publicKey: a.publicKey, endpoint: ea, allowedIps: ['10.0.0.1/32'] });
  const pump = () => {
    while (queues.a.length || queues.b.length) {
      while (queues.a.length) b.receive(queues.a.shift(), ea);
      while (queues.b.length) a.receive(queues.b.shift(), eb);
    }
  };
  return { clock, a, b, pa, pump, queues, ea, eb, link };
}

/** Send `n` copies of `packet` from a to b, dropping the datagrams as a socket would take them. */
function sender(p, packet) {
  return (n) => {
    p.link.capture = false;
    for (let i = 0; i < n; i++) p.a.sendPacket(packet);
    p.link.capture = true;
  };
}

/** Packets per CPU second b receives, from a stream of datagrams a made (untimed) just before. */
function receiveRate(p, packet) {
  for (let i = 0; i < RX_BATCH; i++) p.a.sendPacket(packet);
  const stream = p.queues.a.splice(0);
  for (let i = 0; i < 500; i++) p.b.receive(stream[i], p.ea); // warm up
  settle();
  const t0 = cpuMs();
  for (let i = 500; i < RX_BATCH; i++) p.b.receive(stream[i], p.ea);
  return ((RX_BATCH - 500) / (cpuMs() - t0)) * 1000;
}

export async function run(ctx) {
  const sodium = createRequire(import.meta.url)('sodium-native');
  // Transport first, on a fresh heap: after the handshake phase the send ratio measures lower, GC rather than the
  // send path.
  // --- Transport --------------------------------------------------------------------------------------------------
  const key = new Uint8Array(randomBytes(32));
  const nonce = new Uint8Array(12);
  const nonceView = new DataView(nonce.buffer);
  const mb = (opsPerSec, size = PACKET) => (opsPerSec * size) / 1e6;
  /**
   * Raw seal of `size`-byte plaintexts, a new nonce each, into a fresh output array per packet (`fresh`: as the
   * node:crypto limit of issue 3 did, and as any seal that hands its datagram on must) or into one reused output (the
   * bare AEAD, its output always in cache).
   */
  const rawSeal = (size, fresh) => {
    const plain = new Uint8Array(randomBytes(size));
    const reused = new Uint8Array(size + 16);
    let counter = 0;
    return (n) => {
      for (let i = 0; i < n; i++) {
        nonceView.setUint32(4, counter++ >>> 0, true);
        sodium.crypto_aead_chacha20poly1305_ietf_encrypt(fresh ? new Uint8Array(size + 16) : reused, plain, null, null, nonce, key);
      }
    };
  };
  /**
   * Raw open of as many distinct sealed packets as the engine's receive below works through, each into a fresh output
   * array of its plaintext's size (`fresh`: what any open that hands its plaintext out must do, and what the engine
   * does so that an opened packet's .buffer holds only that packet) or into one reused output (the bare AEAD).
   */
  const rawOpenRate = (size, fresh) => {
    const plain = new Uint8Array(randomBytes(size));
    const stream = [];
    for (let i = 0; i < RX_BATCH; i++) {
      const iv = new Uint8Array(12);
      new DataView(iv.buffer).setUint32(4, i, true);
      const sealed = new Uint8Array(size + 16);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plain, null, null, iv, key);
      stream.push({ iv, sealed });
    }
    const reused = new Uint8Array(size);
    const open = (p) => sodium.crypto_aead_chacha20poly1305_ietf_decrypt(fresh ? new Uint8Array(size) : reused, null, p.sealed, null, p.iv, key);
    for (let i = 0; i < 500; i++) open(stream[i]); // warm up
    settle();
    const t0 = cpuMs();
    for (let i = 500; i < RX_BATCH; i++) open(stream[i]);
    return ((RX_BATCH - 500) / (cpuMs() - t0)) * 1000;
  };
  const tp = pair(sodiumBackend, 'transport');
  const packet = ipv4([10, 0, 0, 1], [10, 0, 0, 2], PACKET);
  tp.a.sendPacket(packet);
  tp.pump();
  const seal1420 = rawSeal(PACKET, true);
  const tx = paired(() => mb(rate(seal1420, 1000, 150)), () => mb(rate(sender(tp, packet), 1000, 150)));
  const rx = paired(() => mb(rawOpenRate(PACKET, true)), () => mb(receiveRate(tp, packet)));
  const rawSealReused = ctx.stats([0, 1, 2].map(() => mb(rate(rawSeal(PACKET, false), 1000, 150))));
  const rawOpenReused = ctx.stats([0, 1, 2].map(() => mb(rawOpenRate(PACKET, false))));
  const dropped = Object.values(tp.b.drops).reduce((a, b) => a + b, 0);
  if (dropped > 0) throw new Error(`bench: receiver dropped ${dropped} packets`);
  ctx.record({ name: `raw sodium-native ChaCha20-Poly1305 seal into a fresh array, ${PACKET} B`, unit: 'MB/s', ...ctx.stats(tx.limits) });
  ctx.record({ name: `raw sodium-native ChaCha20-Poly1305 seal into one reused array, ${PACKET} B`, unit: 'MB/s', ...rawSealReused, note: 'the bare AEAD, no goal' });
  ctx.record({ name: `engine transport send (route + seal), ${PACKET} B packets, sodium backend`, unit: 'MB/s', ...ctx.stats(tx.engines) });
  ratios(ctx, 'transport send ÷ raw seal', tx, 0.8);
  ctx.record({ name: `raw sodium-native ChaCha20-Poly1305 open into a fresh array, ${PACKET} B`, unit: 'MB/s', ...ctx.stats(rx.limits) });
  ctx.record({ name: `raw sodium-native ChaCha20-Poly1305 open into one reused array, ${PACKET} B`, unit: 'MB/s', ...rawOpenReused, note: 'the bare AEAD, no goal' });
  ctx.record({ name: `engine transport receive (open + replay + AllowedIPs), ${PACKET} B packets, sodium backend`, unit: 'MB/s', ...ctx.stats(rx.engines) });
  ratios(ctx, 'transport receive ÷ raw open', rx, 0.8);

  // short packets (most of the fabric's), with no goal
  const short = pair(sodiumBackend, 'transport-short');
  const p64 = ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64);
  short.a.sendPacket(p64);
  short.pump();
  const sends = [0, 1, 2].map(() => rate(sender(short, p64), 1000, 150));
  const receives = [0, 1, 2].map(() => receiveRate(short, p64));
  const seal64 = ctx.stats([0, 1, 2].map(() => rate(rawSeal(64, false), 1000, 150)));
  ctx.record({ name: 'raw sodium-native ChaCha20-Poly1305 seal into one reused array, 64 B', unit: 'packets/s', ...seal64, note: `${mb(seal64.median, 64).toFixed(0)} MB/s` });
  ctx.record({ name: 'engine transport send, 64 B packets, sodium backend', unit: 'packets/s', ...ctx.stats(sends), note: `${mb(ctx.stats(sends).median, 64).toFixed(0)} MB/s` });
  ctx.record({ name: 'engine transport receive, 64 B packets, sodium backend', unit: 'packets/s', ...ctx.stats(receives), note: `${mb(ctx.stats(receives).median, 64).toFixed(0)} MB/s` });
  const shortDropped = Object.values(short.b.drops).reduce((a, b) => a + b, 0);
  if (shortDropped > 0) throw new Error(`bench: receiver dropped ${shortDropped} packets (64 B)`);

  // --- Handshakes -------------------------------------------------------------------------------------------------
  const scalar = new Uint8Array(randomBytes(32));
  const point = new Uint8Array(32);
  sodium.crypto_scalarmult_base(point, new Uint8Array(randomBytes(32)));
  const shared = new Uint8Array(32);
  const hs = { sodium: pair(sodiumBackend, 'hs-sodium'), noble: pair(nobleBackend, 'hs-noble') };
  for (const p of Object.values(hs)) {
    p.a.initiateHandshake(p.pa, false);
    p.pump();
  }
  const handshakeBatch = (p) => (n) => {
    for (let i = 0; i < n; i++) {
      p.clock.advance(6_000); // past REKEY_TIMEOUT and the flood limit, like a real rekey
      p.a.initiateHandshake(p.pa, false);
      p.pump();
    }
  };
  const hsBefore = hs.sodium.a.counters.handshakesCompleted;
  const hsRun = paired(
    () =>
      rate((n) => {
        for (let i = 0; i < n; i++) sodium.crypto_scalarmult(shared, scalar, point);
      }, 100, 150) / 8,
    () => rate(handshakeBatch(hs.sodium), 20),
  );
  if (hs.sodium.a.counters.handshakesCompleted === hsBefore) throw new Error('bench: no handshake completed');
  const noble = ctx.stats([0, 1, 2].map(() => rate(handshakeBatch(hs.noble), 2, 150)));
  const limit = ctx.stats(hsRun.limits);
  ctx.record({ name: 'raw X25519 (sodium-native crypto_scalarmult) ops/s', unit: 'ops/s', median: limit.median * 8, min: limit.min * 8, max: limit.max * 8 });
  ctx.record({ name: 'handshake limit: raw X25519 ops/s ÷ 8', unit: 'handshakes/s', ...limit });
  const h = ctx.stats(hsRun.engines);
  ctx.record({ name: 'full handshakes/s (initiation + response + keepalive, sodium backend)', unit: 'handshakes/s', ...h });
  ratios(ctx, 'handshakes ÷ limit', hsRun, 0.7);
  ctx.record({ name: 'full handshakes/s (noble backend, reference)', unit: 'handshakes/s', ...noble });

  // --- The previous production backend's primitives (before issue 13), measured now on this machine ---------------
  // X25519 through node:crypto, the peer's public key imported from JWK each time (every handshake brings a new
  // ephemeral), and node:crypto's ChaCha20-Poly1305 with a cipher object per packet.
  const ownKey = generateKeyPairSync('x25519').privateKey;
  const peerJwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  const nodeX25519 = ctx.stats(
    [0, 1, 2].map(() =>
      rate((n) => {
        for (let i = 0; i < n; i++) diffieHellman({ privateKey: ownKey, publicKey: createPublicKey({ key: peerJwk, format: 'jwk' }) });
      }, 100, 150),
    ),
  );
  const nodeSeal = ctx.stats(
    [0, 1, 2].map(() => {
      const plain = randomBytes(PACKET);
      let counter = 0;
      return mb(
        rate((n) => {
          for (let i = 0; i < n; i++) {
            nonceView.setUint32(4, counter++ >>> 0, true);
            const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
            c.update(plain);
            c.final();
            c.getAuthTag();
          }
        }, 1000, 150),
      );
    }),
  );
  ctx.record({ name: 'previous backend: X25519 through node:crypto, a JWK public-key import per operation', unit: 'ops/s', ...nodeX25519, note: `sodium-native: ${(limit.median * 8).toFixed(0)} ops/s (${((limit.median * 8) / nodeX25519.median).toFixed(2)}×)` });
  ctx.record({ name: `previous backend: node:crypto ChaCha20-Poly1305 seal, a cipher per packet, ${PACKET} B`, unit: 'MB/s', ...nodeSeal, note: `sodium-native into a fresh array: ${ctx.stats(tx.limits).median.toFixed(0)} MB/s` });
}
