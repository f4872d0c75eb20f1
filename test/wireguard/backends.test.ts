// The fabric's backend (libsodium ChaCha20-Poly1305) against node:crypto's: the same bytes for any key, nonce,
// associated data and length; a wrong tag, key or associated data opens to null; sizes past its scratch buffers throw.
import fc from 'fast-check';
import { fastCryptoBackend } from '../../src/platform/wg-fast-crypto.js';
import { nodeCryptoBackend } from '../../src/platform/wg-node-crypto.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

describe('fastCryptoBackend ChaCha20-Poly1305', () => {
  test('seal, sealTransport and open agree with node:crypto byte for byte', () => {
    fc.assert(
      fc.property(bytes(32, 32), bytes(12, 12), fc.option(bytes(1, 64), { nil: undefined }), bytes(0, 2000), fc.integer({ min: 0, max: 15 }), (key, nonce, aad, plaintext, padding) => {
        const a = new Uint8Array(plaintext.length + 16 + 3);
        const b = new Uint8Array(plaintext.length + 16 + 3);
        fastCryptoBackend.seal(key, nonce, plaintext, aad, a, 3);
        nodeCryptoBackend.seal(key, nonce, plaintext, aad, b, 3);
        expect(Buffer.from(a)).toEqual(Buffer.from(b));
        const sealed = a.subarray(3);
        expect(Buffer.from(fastCryptoBackend.open(key, nonce, sealed, aad)!)).toEqual(Buffer.from(plaintext));
        expect(Buffer.from(nodeCryptoBackend.open(key, nonce, sealed, aad)!)).toEqual(Buffer.from(plaintext));
        const header = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
        const t1 = fastCryptoBackend.sealTransport!(key, nonce, header, plaintext, padding);
        const t2 = nodeCryptoBackend.sealTransport!(key, nonce, header, plaintext, padding);
        expect(Buffer.from(t1)).toEqual(Buffer.from(t2));
      }),
      { numRuns: 300 },
    );
  });

  test('a flipped bit anywhere, another key or other associated data opens to null', () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12).fill(1);
    const aad = new Uint8Array(32).fill(9);
    const plaintext = new Uint8Array(100).fill(42);
    const sealed = new Uint8Array(116);
    fastCryptoBackend.seal(key, nonce, plaintext, aad, sealed, 0);
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 1;
      expect(fastCryptoBackend.open(key, nonce, bad, aad)).toBeNull();
    }
    expect(fastCryptoBackend.open(new Uint8Array(32), nonce, sealed, aad)).toBeNull();
    expect(fastCryptoBackend.open(key, nonce, sealed, new Uint8Array(32))).toBeNull();
    expect(fastCryptoBackend.open(key, nonce, sealed.subarray(0, 15), aad)).toBeNull();
    expect(Buffer.from(fastCryptoBackend.open(key, nonce, sealed, aad)!)).toEqual(Buffer.from(plaintext));
  });

  test('sizes beyond its buffers are refused before anything is copied', () => {
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    const huge = new Uint8Array(65_536);
    expect(() => fastCryptoBackend.seal(key, nonce, huge, undefined, new Uint8Array(huge.length + 16), 0)).toThrow(RangeError);
    expect(() => fastCryptoBackend.sealTransport!(key, nonce, new Uint8Array(16), huge, 0)).toThrow(RangeError);
    expect(() => fastCryptoBackend.seal(new Uint8Array(31), nonce, new Uint8Array(1), undefined, new Uint8Array(17), 0)).toThrow(RangeError);
    expect(fastCryptoBackend.open(key, nonce, new Uint8Array(65_535 + 17), undefined)).toBeNull();
    // and it still works afterwards
    const out = new Uint8Array(17);
    fastCryptoBackend.seal(key, nonce, new Uint8Array(1), undefined, out, 0);
    expect(fastCryptoBackend.open(key, nonce, out, undefined)).toEqual(new Uint8Array(1));
  });
});
