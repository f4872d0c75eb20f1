/**
 * The WireGuard engine's CryptoBackend on Node's built-in crypto (OpenSSL): X25519 through KeyObjects and
 * ChaCha20-Poly1305 through createCipheriv. Faster than pure JavaScript for the transport path; it must pass the
 * same known-answer vectors as the noble backend (test/wireguard). Lives in platform/ because it imports node:*.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';

// RFC 8410 DER prefixes for raw X25519 keys
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** Private KeyObjects by the identity of the Uint8Array holding the key (static keys are reused for every DH). */
const privateCache = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();

function privateKeyObject(raw: Uint8Array): KeyObject {
  const cached = privateCache.get(raw);
  // the cache is only valid while the array still holds the same bytes
  if (cached && cached.bytes.equals(raw)) return cached.key;
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  privateCache.set(raw, { bytes: Buffer.from(raw), key });
  return key;
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function isZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** X25519 and ChaCha20-Poly1305 from node:crypto; BLAKE2s and XChaCha20 stay on noble. */
export const nodeCryptoBackend: CryptoBackend = {
  name: 'node',
  x25519Base(privateKey) {
    if (privateKey.length !== 32) throw new RangeError(`x25519Base: private key must be 32 bytes, got ${privateKey.length}`);
    const der = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(der.length - 32));
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
    return isZero(shared) ? null : new Uint8Array(shared.buffer, shared.byteOffset, shared.length);
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
};
