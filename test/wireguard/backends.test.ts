// The production backend (sodium-native) held to the noble reference byte for byte: X25519 (base point and DH, low-order
// points refused alike), ChaCha20-Poly1305 (seal, sealTransport, open), XChaCha20-Poly1305, HASH, HMAC and KDFn, on
// random inputs; a wrong tag, key or associated data opens to null; sizes past its limits are refused.
import fc from 'fast-check';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { nobleBackend } from '../../src/wireguard/crypto-backend.js';
import { kdf3 } from '../../src/wireguard/kdf.js';
import { hexOf, kdfVectors } from './vectors.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);

describe('sodiumBackend against noble, byte for byte', () => {
  test('X25519: public keys and shared secrets agree for any scalar and point', () => {
    fc.assert(
      fc.property(key32, key32, (a, b) => {
        const pub = nobleBackend.x25519Base(b);
        expect(hexOf(sodiumBackend.x25519Base(a))).toBe(hexOf(nobleBackend.x25519Base(a)));
        expect(hexOf(sodiumBackend.x25519(a, pub)!)).toBe(hexOf(nobleBackend.x25519(a, pub)!));
        // any 32 bytes as the point (not only valid public keys): both agree, null included
        const s = sodiumBackend.x25519(a, b);
        const n = nobleBackend.x25519(a, b);
        expect(s === null ? null : hexOf(s)).toBe(n === null ? null : hexOf(n));
      }),
      { numRuns: 300 },
    );
  });

  test('X25519: every low-order point gives null on both', () => {
    const scalar = new Uint8Array(32).fill(0x42);
    for (const hex of kdfVectors.lowOrderPublicKeysHex) {
      const point = Uint8Array.from(Buffer.from(hex, 'hex'));
      expect(sodiumBackend.x25519(scalar, point)).toBeNull();
      expect(nobleBackend.x25519(scalar, point)).toBeNull();
    }
  });

  test('ChaCha20-Poly1305: seal, sealTransport and open agree on any key, nonce, associated data and length', () => {
    fc.assert(
      fc.property(key32, bytes(12, 12), fc.option(bytes(1, 64), { nil: undefined }), bytes(0, 2000), fc.integer({ min: 0, max: 15 }), (key, nonce, aad, plaintext, padding) => {
        const a = new Uint8Array(plaintext.length + 16 + 3);
        const b = new Uint8Array(plaintext.length + 16 + 3);
        sodiumBackend.seal(key, nonce, plaintext, aad, a, 3);
        nobleBackend.seal(key, nonce, plaintext, aad, b, 3);
        expect(hexOf(a)).toBe(hexOf(b));
        const sealed = a.subarray(3);
        expect(hexOf(sodiumBackend.open(key, nonce, sealed, aad)!)).toBe(hexOf(plaintext));
        expect(hexOf(nobleBackend.open(key, nonce, sealed, aad)!)).toBe(hexOf(plaintext));
        // sealTransport = header ‖ seal(plaintext ‖ padding zeros), as the generic path builds it
        const header = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
        const padded = new Uint8Array(plaintext.length + padding);
        padded.set(plaintext);
        const expected = new Uint8Array(16 + padded.length + 16);
        expected.set(header);
        nobleBackend.seal(key, nonce, padded, undefined, expected, 16);
        expect(hexOf(sodiumBackend.sealTransport!(key, nonce, header, plaintext, padding))).toBe(hexOf(expected));
      }),
      { numRuns: 300 },
    );
  });

  test('XChaCha20-Poly1305: xseal and xopen agree', () => {
    fc.assert(
      fc.property(key32, bytes(24, 24), bytes(0, 64), bytes(0, 300), (key, nonce, aad, plaintext) => {
        const s = sodiumBackend.xseal(key, nonce, plaintext, aad);
        expect(hexOf(s)).toBe(hexOf(nobleBackend.xseal(key, nonce, plaintext, aad)));
        expect(hexOf(sodiumBackend.xopen(key, nonce, s, aad)!)).toBe(hexOf(plaintext));
        expect(hexOf(nobleBackend.xopen(key, nonce, s, aad)!)).toBe(hexOf(plaintext));
        const bad = Uint8Array.from(s);
        bad[bad.length - 1]! ^= 0x80;
        expect(sodiumBackend.xopen(key, nonce, bad, aad)).toBeNull();
        expect(nobleBackend.xopen(key, nonce, bad, aad)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  test('HASH, HMAC and KDF3 agree', () => {
    fc.assert(
      fc.property(bytes(0, 200), bytes(0, 200), key32, (a, b, k) => {
        expect(hexOf(sodiumBackend.hash(a, b))).toBe(hexOf(nobleBackend.hash(a, b)));
        expect(hexOf(sodiumBackend.hash(a))).toBe(hexOf(nobleBackend.hash(a)));
        expect(hexOf(sodiumBackend.hmac(k, a))).toBe(hexOf(nobleBackend.hmac(k, a)));
        expect(kdf3(k, a, sodiumBackend).map(hexOf)).toEqual(kdf3(k, a, nobleBackend).map(hexOf));
      }),
      { numRuns: 200 },
    );
  });
});

describe('sodiumBackend refusals', () => {
  test('a flipped bit anywhere, another key or other associated data opens to null', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12).fill(1);
    const aad = new Uint8Array(32).fill(9);
    for (const length of [0, 1, 48, 64, 65, 100, 1420]) {
      const plaintext = new Uint8Array(length).fill(42);
      const sealed = new Uint8Array(length + 16);
      sodiumBackend.seal(key, nonce, plaintext, aad, sealed, 0);
      for (let i = 0; i < sealed.length; i += 7) {
        const bad = Uint8Array.from(sealed);
        bad[i]! ^= 1;
        expect(sodiumBackend.open(key, nonce, bad, aad)).toBeNull();
      }
      expect(sodiumBackend.open(new Uint8Array(32), nonce, sealed, aad)).toBeNull();
      expect(sodiumBackend.open(key, nonce, sealed, new Uint8Array(32))).toBeNull();
      expect(hexOf(sodiumBackend.open(key, nonce, sealed, aad)!)).toBe(hexOf(plaintext));
    }
    expect(sodiumBackend.open(key, nonce, new Uint8Array(15), aad)).toBeNull();
  });

  test('sizes beyond its limits are refused, and it still works afterwards', () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    const huge = new Uint8Array(65_536);
    expect(() => sodiumBackend.seal(key, nonce, huge, undefined, new Uint8Array(huge.length + 16), 0)).toThrow(RangeError);
    expect(() => sodiumBackend.sealTransport!(key, nonce, new Uint8Array(16), huge, 0)).toThrow(RangeError);
    expect(() => sodiumBackend.seal(new Uint8Array(31), nonce, new Uint8Array(1), undefined, new Uint8Array(17), 0)).toThrow(RangeError);
    expect(() => sodiumBackend.seal(key, nonce, new Uint8Array(4), undefined, new Uint8Array(10), 0)).toThrow(RangeError);
    expect(() => sodiumBackend.x25519Base(new Uint8Array(31))).toThrow(RangeError);
    expect(sodiumBackend.x25519(new Uint8Array(31), new Uint8Array(32))).toBeNull();
    expect(sodiumBackend.open(key, nonce, new Uint8Array(65_535 + 17), undefined)).toBeNull();
    expect(sodiumBackend.open(key, new Uint8Array(24), new Uint8Array(17), undefined)).toBeNull();
    const out = new Uint8Array(17);
    sodiumBackend.seal(key, nonce, new Uint8Array(1), undefined, out, 0);
    expect(sodiumBackend.open(key, nonce, out, undefined)).toEqual(new Uint8Array(1));
  });
});
