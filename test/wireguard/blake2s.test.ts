// The tuned BLAKE2s-256 and HMAC-BLAKE2s agree with @noble/hashes on RFC 7693's vector and on random inputs; the
// reusable keyed MAC agrees with a fresh keyed BLAKE2s per message.
import fc from 'fast-check';
import { blake2s } from '@noble/hashes/blake2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { blake2s256, hkdfBlake2s, hmacBlake2s } from '../../src/wireguard/blake2s.js';
import { KeyedMac, mac } from '../../src/wireguard/kdf.js';
import { hexOf } from './vectors.js';

describe('tuned BLAKE2s', () => {
  test('RFC 7693 Appendix B: BLAKE2s-256("abc")', () => {
    expect(hexOf(blake2s256(new TextEncoder().encode('abc')))).toBe('508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982');
  });

  test('every length 0..300 (block boundaries) matches noble, whole and split in two', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 255);
    for (let n = 0; n <= 300; n++) {
      const d = data.subarray(0, n);
      const ref = hexOf(blake2s(d));
      expect(hexOf(blake2s256(d))).toBe(ref);
      expect(hexOf(blake2s256(d.subarray(0, n >> 1), d.subarray(n >> 1)))).toBe(ref);
    }
  });

  test('property: hash and HMAC match noble on random inputs and keys (incl. keys over 64 bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 100 }), (data, key) => {
        expect(hexOf(blake2s256(data))).toBe(hexOf(blake2s(data)));
        expect(hexOf(hmacBlake2s(key, data))).toBe(hexOf(hmac(blake2s, key, data)));
      }),
      { numRuns: 2000 },
    );
  });

  test('HMAC and HKDF under 32-byte keys (every Noise key) match noble at every data length 0..200 (block edges)', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 5) & 255);
    const data = Uint8Array.from({ length: 200 }, (_, i) => (i * 91 + 3) & 255);
    for (let n = 0; n <= 200; n++) {
      const d = data.subarray(0, n);
      expect(hexOf(hmacBlake2s(key, d))).toBe(hexOf(hmac(blake2s, key, d)));
      expect(hexOf(Uint8Array.from(hkdfBlake2s(key, d, 2).flatMap((t) => [...t])))).toBe(hexOf(hkdf(blake2s, d, key, new Uint8Array(0), 64)));
    }
  });

  test('property: HKDF with reused PRK key states matches noble hkdf for 1, 2 and 3 outputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 1, max: 3 }), (input, key, n) => {
        const ref = hkdf(blake2s, input, key, new Uint8Array(0), 32 * n);
        expect(hexOf(Uint8Array.from(hkdfBlake2s(key, input, n).flatMap((t) => [...t])))).toBe(hexOf(ref));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('KeyedMac', () => {
  test('property: the same bytes as mac() on message after message, at any output offset; verify accepts only them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 4 }), (key, inputs) => {
        const keyed = new KeyedMac(key);
        for (const input of inputs) {
          const expected = mac(key, input);
          const out = new Uint8Array(19);
          keyed.macInto(input, out, 3);
          expect(hexOf(out.subarray(3))).toBe(hexOf(expected));
          expect(keyed.verify(input, out, 3)).toBe(true);
          out[3 + (input.length % 16)]! ^= 1;
          expect(keyed.verify(input, out, 3)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('rejects an empty key or one longer than 32 bytes', () => {
    expect(() => new KeyedMac(new Uint8Array(0))).toThrow(RangeError);
    expect(() => new KeyedMac(new Uint8Array(33))).toThrow(RangeError);
  });
});
