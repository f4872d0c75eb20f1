// Issue 3's figures: full WireGuard handshakes per second beside raw X25519 ops/s ÷ 8, and transport MB/s at
// 1420-byte packets beside raw node:crypto ChaCha20-Poly1305 MB/s, all measured in this run on this machine.
import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SimClock } from '../../dist/platform/clock.js';
import { seededRng } from '../../dist/platform/rng.js';
import { nodeCryptoBackend } from '../../dist/platform/wg-node-crypto.js';
import { Device } from '../../dist/wireguard/device.js';
import { generatePrivateKey } from '../../dist/wireguard/keys.js';
import { nobleBackend } from '../../dist/wireguard/crypto-backend.js';

const PACKET = 1420;
const ROUNDS = 7;

/** Run `fn(n)` for about `ms` milliseconds in batches; returns operations per second. */
function rate(fn, batch, ms = 250) {
  fn(Math.max(1, batch >> 3)); // warm up
  let ops = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    fn(batch);
    ops += batch;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
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
  const mk = (name, key) =>
    new Device({ privateKey: key, clock, rng: seededRng(`bench:${seed}:${name}`), backend, send: (d) => queues[name].push(d) });
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
  return { clock, a, b, pa, pump, queues, ea, eb };
}

export async function run(ctx) {
  // --- Handshakes -------------------------------------------------------------------------------------------------
  const k1 = generateKeyPairSync('x25519');
  const k2 = generateKeyPairSync('x25519');
  const x25519 = [];
  const handshakes = { node: [], noble: [] };
  const hs = { node: pair(nodeCryptoBackend, 'hs-node'), noble: pair(nobleBackend, 'hs-noble') };
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
  const hsBefore = hs.node.a.counters.handshakesCompleted;
  for (let r = 0; r < ROUNDS; r++) {
    x25519.push(rate((n) => {
      for (let i = 0; i < n; i++) diffieHellman({ privateKey: k1.privateKey, publicKey: k2.publicKey });
    }, 200));
    handshakes.node.push(rate(handshakeBatch(hs.node), 20));
    if (r < 3) handshakes.noble.push(rate(handshakeBatch(hs.noble), 2, 150));
  }
  if (hs.node.a.counters.handshakesCompleted === hsBefore) throw new Error('bench: no handshake completed');
  const x = ctx.stats(x25519);
  const limit = x.median / 8;
  ctx.record({ name: 'raw X25519 (node:crypto diffieHellman) ops/s', unit: 'ops/s', ...x });
  ctx.record({ name: 'handshake limit: raw X25519 ops/s ÷ 8', unit: 'handshakes/s', median: limit });
  const h = ctx.stats(handshakes.node);
  ctx.record({
    name: 'full handshakes/s (initiation + response + keepalive, node backend)',
    unit: 'handshakes/s',
    ...h,
    note: `${(h.median / limit).toFixed(2)} of the limit`,
  });
  ctx.record({ name: 'handshake ratio to limit', unit: '×', median: h.median / limit, min: h.min / limit, max: h.max / limit, goal: { op: '>=', value: 0.7 } });
  ctx.record({ name: 'full handshakes/s (noble backend, reference)', unit: 'handshakes/s', ...ctx.stats(handshakes.noble) });

  // --- Transport --------------------------------------------------------------------------------------------------
  const key = randomBytes(32);
  const plain = randomBytes(PACKET);
  const nonce = Buffer.alloc(12);
  let counter = 0;
  const rawSeal = (n) => {
    for (let i = 0; i < n; i++) {
      nonce.writeUInt32LE(counter++ >>> 0, 4);
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      c.update(plain);
      c.final();
      c.getAuthTag();
    }
  };
  const sealed = (() => {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const body = c.update(plain);
    c.final();
    return { body, tag: c.getAuthTag(), nonce: Buffer.from(nonce) };
  })();
  const rawOpen = (n) => {
    for (let i = 0; i < n; i++) {
      const d = createDecipheriv('chacha20-poly1305', key, sealed.nonce, { authTagLength: 16 });
      d.setAuthTag(sealed.tag);
      d.update(sealed.body);
      d.final();
    }
  };
  const tp = pair(nodeCryptoBackend, 'transport');
  const packet = ipv4([10, 0, 0, 1], [10, 0, 0, 2], PACKET);
  tp.a.sendPacket(packet);
  tp.pump();
  const engineSend = (n) => {
    for (let i = 0; i < n; i++) tp.a.sendPacket(packet);
    tp.queues.a.length = 0;
  };
  // the receive side consumes a stream of datagrams made (untimed) before each measurement
  const RX_BATCH = 20_000;
  const engineReceiveRate = () => {
    for (let i = 0; i < RX_BATCH; i++) tp.a.sendPacket(packet);
    const stream = tp.queues.a.splice(0);
    for (let i = 0; i < 500; i++) tp.b.receive(stream[i], tp.ea); // warm up
    const t0 = process.hrtime.bigint();
    for (let i = 500; i < RX_BATCH; i++) tp.b.receive(stream[i], tp.ea);
    return ((RX_BATCH - 500) / Number(process.hrtime.bigint() - t0)) * 1e9;
  };
  const mb = (opsPerSec) => (opsPerSec * PACKET) / 1e6;
  const seal = [], open = [], send = [], recv = [];
  for (let r = 0; r < ROUNDS; r++) {
    seal.push(mb(rate(rawSeal, 2000)));
    send.push(mb(rate(engineSend, 2000)));
    open.push(mb(rate(rawOpen, 2000)));
    recv.push(mb(engineReceiveRate()));
  }
  const dropped = Object.values(tp.b.drops).reduce((a, b) => a + b, 0);
  if (dropped > 0) throw new Error(`bench: receiver dropped ${dropped} packets`);
  const s = ctx.stats(seal), o = ctx.stats(open), e = ctx.stats(send), v = ctx.stats(recv);
  ctx.record({ name: `raw node:crypto ChaCha20-Poly1305 seal, ${PACKET} B`, unit: 'MB/s', ...s });
  ctx.record({ name: `engine transport send (route + seal), ${PACKET} B packets`, unit: 'MB/s', ...e, note: `${(e.median / s.median).toFixed(2)} of raw seal` });
  ctx.record({ name: 'transport send ratio to raw AEAD', unit: '×', median: e.median / s.median, min: e.min / s.median, max: e.max / s.median, goal: { op: '>=', value: 0.8 } });
  ctx.record({ name: `raw node:crypto ChaCha20-Poly1305 open, ${PACKET} B`, unit: 'MB/s', ...o });
  ctx.record({ name: `engine transport receive (open + replay + AllowedIPs), ${PACKET} B packets`, unit: 'MB/s', ...v, note: `${(v.median / o.median).toFixed(2)} of raw open` });
  ctx.record({ name: 'transport receive ratio to raw AEAD', unit: '×', median: v.median / o.median, min: v.min / o.median, max: v.max / o.median, goal: { op: '>=', value: 0.8 } });
}
