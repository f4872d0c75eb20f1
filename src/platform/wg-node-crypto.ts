/**
 * The WireGuard engine's fast CryptoBackend: X25519 through node:crypto KeyObjects, ChaCha20-Poly1305 through
 * createCipheriv (OpenSSL), and unkeyed BLAKE2s through the engine's own tuned implementation. It must pass the same
 * known-answer vectors as the noble backend (test/wireguard). Lives in platform/ because it imports node:*.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { blake2s256, hkdfBlake2s, hmacBlake2s } from '../wireguard/blake2s.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';

/**
 * KeyObjects by the identity of the Uint8Array holding the raw key, checked against a copy of its bytes: static keys
 * (and an ephemeral, used twice) are imported once. JWK import is ~20× faster than PKCS#8 DER in OpenSSL 3.
 */
function keyCache(make: (raw: Uint8Array) => KeyObject): (raw: Uint8Array) => KeyObject {
  const cache = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();
  return (raw) => {
    const cached = cache.get(raw);
    if (cached && cached.bytes.equals(raw)) return cached.key;
    const key = make(raw);
    cache.set(raw, { bytes: Buffer.from(raw), key });
    return key;
  };
}

// a copy (from Buffer's pool), not a view of raw.buffer: reading .buffer moves a small array off the V8 heap
const b64url = (raw: Uint8Array): string => Buffer.from(raw).toString('base64url');

// the public half "x" is required by the JWK importer but not used for a private X25519 key
const privateKeyObject = keyCache((raw) => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(raw), x: '' }, format: 'jwk' }));
const publicKeyObject = keyCache((raw) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(raw) }, format: 'jwk' }));

function isZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/**
 * X25519 and ChaCha20-Poly1305 from node:crypto, HASH and HMAC from the engine's tuned BLAKE2s (wireguard/blake2s.ts);
 * the keyed BLAKE2s MAC and XChaCha20 stay on noble.
 */
export const nodeCryptoBackend: CryptoBackend = {
  name: 'node',
  x25519Base(privateKey) {
    if (privateKey.length !== 32) throw new RangeError(`x25519Base: private key must be 32 bytes, got ${privateKey.length}`);
    // a private key's JWK carries its public half: no second KeyObject needed
    const jwk = privateKeyObject(privateKey).export({ format: 'jwk' });
    return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  },
  x25519(privateKey, publicKey) {
    if (privateKey.length !== 32 || publicKey.length !== 32) return null;
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
    } catch {
      // OpenSSL refuses an all-zero result
      return null;
    }
    // check the plain Uint8Array view: isZero stays monomorphic (a Buffer argument made it ~10× slower)
    const view = new Uint8Array(shared.buffer, shared.byteOffset, shared.length);
    return isZero(view) ? null : view;
  },
  seal(key, nonce, plaintext, aad, out, outOffset) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    if (aad) cipher.setAAD(aad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    cipher.final();
    out.set(body, outOffset);
    out.set(cipher.getAuthTag(), outOffset + plaintext.length);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < 16) return null;
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    if (aad) decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
    const body = decipher.update(sealed.subarray(0, sealed.length - 16));
    try {
      decipher.final();
    } catch {
      return null;
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  },
  sealTransport(key, nonce, header, plaintext, padding) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    // one update over the padded plaintext: each update() returns a fresh native buffer, and a second call for the
    // padding cost ~0.5 µs a packet (most fabric packets are short and padded)
    let input = plaintext;
    if (padding > 0) {
      const padded = Buffer.allocUnsafe(plaintext.length + padding);
      padded.set(plaintext, 0);
      padded.fill(0, plaintext.length);
      input = padded;
    }
    const body = cipher.update(input);
    cipher.final();
    const tag = cipher.getAuthTag();
    // allocUnsafe: every byte is written below
    const out = Buffer.allocUnsafe(16 + body.length + 16);
    for (let i = 0; i < 16; i++) out[i] = header[i]!;
    out.set(body, 16);
    out.set(tag, 16 + body.length);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  hash(a, b) {
    return b ? blake2s256(a, b) : blake2s256(a);
  },
  hmac: hmacBlake2s,
  hkdf: hkdfBlake2s,
};
