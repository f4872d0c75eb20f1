// The libsodium primitives adapter (platform/sodium.ts) on its own port: sealing and opening into the caller's
// buffers, in place, with refusals that leave nothing behind; held to @noble byte for byte.
import { describe, expect, test } from '@jest/globals';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { _scratch, _secureArenas, sodiumPrimitives as p } from '../../src/platform/sodium.js';

const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const hex = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const key = filled(32, 1);
const nonce = filled(12, 2);
const xnonce = filled(24, 3);
const aad = filled(20, 4);

describe('sodiumPrimitives', () => {
  test('X25519 agrees with noble and wipes its secure scratch', () => {
    const a = filled(32, 5);
    const b = filled(32, 6);
    expect(hex(p.x25519Base(a))).toBe(hex(x25519.getPublicKey(a)));
    expect(hex(p.x25519(a, x25519.getPublicKey(b))!)).toBe(hex(x25519.getSharedSecret(a, x25519.getPublicKey(b))));
    expect(p.x25519(a, new Uint8Array(32))).toBeNull();
    for (const s of _scratch()) expect(s.every((x) => x === 0)).toBe(true);
  });

  test.each([0, 1, 63, 64, 65, 1420])('ChaCha20-Poly1305 at %i bytes: seal into out, in place, and open into out', (n) => {
    const plaintext = filled(n, 7);
    const out = new Uint8Array(n + 16);
    p.seal(key, nonce, plaintext, aad, out);
    expect(hex(out)).toBe(hex(chacha20poly1305(key, nonce, aad).encrypt(plaintext)));
    // in place: the plaintext as the first bytes of out
    const inPlace = new Uint8Array(n + 16);
    inPlace.set(plaintext);
    p.seal(key, nonce, inPlace.subarray(0, n), aad, inPlace);
    expect(hex(inPlace)).toBe(hex(out));
    const opened = new Uint8Array(n).fill(0xee);
    expect(p.open(key, nonce, out, aad, opened)).toBe(true);
    expect(hex(opened)).toBe(hex(plaintext));
    // a wrong tag: false, and out holds nothing (neither plaintext nor what was there)
    out[out.length - 1]! ^= 1;
    const refused = new Uint8Array(n).fill(0xee);
    expect(p.open(key, nonce, out, aad, refused)).toBe(false);
    expect(refused.every((x) => x === 0)).toBe(true);
    for (const s of _scratch()) expect(s.every((x) => x === 0)).toBe(true);
  });

  test('XChaCha20-Poly1305: seal and open into out agree with noble', () => {
    const plaintext = filled(100, 8);
    const out = new Uint8Array(116);
    p.xseal(key, xnonce, plaintext, aad, out);
    expect(hex(out)).toBe(hex(xchacha20poly1305(key, xnonce, aad).encrypt(plaintext)));
    const opened = new Uint8Array(100);
    expect(p.xopen(key, xnonce, out, aad, opened)).toBe(true);
    expect(hex(opened)).toBe(hex(plaintext));
    expect(p.xopen(key, xnonce, out, null, opened)).toBe(false);
    expect(opened.every((x) => x === 0)).toBe(true);
  });

  test('wrong lengths: sealing throws RangeError naming the argument, opening answers false', () => {
    expect(() => p.seal(key, nonce, new Uint8Array(4), null, new Uint8Array(19))).toThrow(/out must be 20 bytes/);
    expect(() => p.seal(new Uint8Array(31), nonce, new Uint8Array(4), null, new Uint8Array(20))).toThrow(RangeError);
    expect(() => p.seal(key, xnonce, new Uint8Array(4), null, new Uint8Array(20))).toThrow(/nonce must be 12 bytes/);
    expect(() => p.xseal(key, nonce, new Uint8Array(4), null, new Uint8Array(20))).toThrow(/nonce must be 24 bytes/);
    expect(() => p.x25519Base(new Uint8Array(31))).toThrow(RangeError);
    const sealed = new Uint8Array(20);
    p.seal(key, nonce, new Uint8Array(4), null, sealed);
    expect(p.open(key, nonce, sealed, null, new Uint8Array(5))).toBe(false);
    expect(p.open(key, nonce, sealed.subarray(0, 15), null, new Uint8Array(0))).toBe(false);
    expect(p.open(key, nonce, sealed, null, new Uint8Array(4))).toBe(true);
  });

  test('secureCopy: 32-byte slots of shared sodium_malloc arenas, each its own bytes; other lengths refused', () => {
    const keys = Array.from({ length: 1500 }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j) & 0xff));
    const copies = keys.map((k) => p.secureCopy!(k));
    copies.forEach((c, i) => expect(hex(c)).toBe(hex(keys[i]!)));
    // 1,500 keys in two arenas (1,024 slots each), not 1,500 mappings of their own
    const arenas = new Set(copies.map((c) => c.buffer));
    expect(arenas.size).toBe(2);
    for (const a of arenas) expect(_secureArenas()).toContain(a);
    // slots do not overlap
    const offsets = new Set(copies.map((c) => `${_secureArenas().indexOf(c.buffer)}:${c.byteOffset}`));
    expect(offsets.size).toBe(copies.length);
    expect(() => p.secureCopy!(new Uint8Array(31))).toThrow(RangeError);
  });
});
