// The tuned BLAKE2s-256 and HMAC-BLAKE2s agree with @noble/hashes on RFC 7693's vector and on random inputs.
import fc from 'fast-check';
import { blake2s } from '@noble/hashes/blake2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { blake2s256, hkdfBlake2s, hmacBlake2s } from '../../src/wireguard/blake2s.js';
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
