/**
 * The primitives WireGuard spends its time in — X25519, ChaCha20-Poly1305 (RFC 8439 §2.8), XChaCha20-Poly1305 (cookie
 * replies, whitepaper §5.4.7) and the unkeyed BLAKE2s-256 behind HASH and HMAC — behind an interface, so the engine
 * stays pure and the implementation is injected. Two of them:
 *  - backendOn(primitives): a crypto library's X25519 and AEADs (the CryptoPrimitives port of platform/types.ts),
 *    with our BLAKE2s (blake2s.ts) for HASH, HMAC and KDFn and transport messages sealed straight into a datagram
 *    carved from the shared blocks of net/bytes.ts. Production is this on sodium-native (wg-host/sodium-backend.ts).
 *  - nobleBackend: @noble throughout, the reference.
 * The keyed BLAKE2s MACs (mac1, mac2, cookies) do not go through a backend (kdf.ts). Every backend must pass the same
 * known-answer vectors (test/wireguard).
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { newBytes } from '../net/bytes.js';
import type { CryptoPrimitives } from '../platform/types.js';
import { blake2s256, hkdfBlake2s, hmacBlake2s } from './blake2s.js';

/**
 * Every byte array passed to a backend is only valid during the call (the engine reuses scratch buffers for nonces
 * and headers): a backend copies what it keeps.
 */
export interface CryptoBackend {
  /** A short name for reports and benchmarks ("noble", "sodium"). */
  readonly name: string;
  /** X25519(k, 9): the public key of a (clamped by X25519 itself) private key. */
  x25519Base(privateKey: Uint8Array): Uint8Array;
  /** A copy of a long-lived secret in secure memory (CryptoPrimitives.secureCopy); absent: kept as it is. */
  secureCopy?(secret: Uint8Array): Uint8Array;
  /**
   * X25519(k, u). Returns null instead of an all-zero shared secret, i.e. when `publicKey` has low order.
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  /**
   * ChaCha20-Poly1305 seal of `plaintext` under `key` and 12-byte `nonce`, writing ciphertext ‖ 16-byte tag into
   * `out` at `outOffset` (which must have room for plaintext.length + 16 bytes).
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | undefined, out: Uint8Array, outOffset: number): void;
  /**
   * ChaCha20-Poly1305 open of `sealed` (ciphertext ‖ tag). Returns the plaintext in a fresh array of its own (its
   * `.buffer` holds nothing else: the device hands it to its consumer), or null when the tag is wrong.
   */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | undefined): Uint8Array | null;
  /**
   * Optional fast path for transport messages: the whole datagram `header` (16 bytes) ‖ seal(plaintext ‖ `padding`
   * zero bytes), empty associated data, in one fresh buffer. Same bytes as seal(); backends that can avoid a copy
   * implement it.
   */
  sealTransport?(key: Uint8Array, nonce: Uint8Array, header: Uint8Array, plaintext: Uint8Array, padding: number): Uint8Array;
  /** XChaCha20-Poly1305 seal of `plaintext` under `key` and 24-byte `nonce`: ciphertext ‖ tag, in a fresh array. */
  xseal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** XChaCha20-Poly1305 open of `sealed` (ciphertext ‖ tag): the plaintext, or null when the tag is wrong. */
  xopen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
  /** HASH(a ‖ b): unkeyed BLAKE2s-256 (the handshake's mixHash and key derivations). */
  hash(a: Uint8Array, b?: Uint8Array): Uint8Array;
  /** HMAC-BLAKE2s-256(key, data), the building block of KDF1/2/3. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /**
   * Optional fast path for KDFn (n ∈ 1..3): HKDF over this backend's HMAC with the chaining key as salt and empty info,
   * returning n 32-byte outputs. Same bytes as the generic KDF in kdf.ts; backends that can reuse the PRK's HMAC
   * key state across the expand steps implement it.
   */
  hkdf?(key: Uint8Array, input: Uint8Array, n: number): Uint8Array[];
}

const EMPTY = new Uint8Array(0);

/**
 * The reference backend: @noble/curves X25519, @noble/ciphers (X)ChaCha20-Poly1305 and @noble/hashes BLAKE2s, pure
 * JavaScript. Its X25519 is not constant-time: a reference to hold the production backend to, opted into explicitly.
 */
export const nobleBackend: CryptoBackend = {
  name: 'noble',
  x25519Base(privateKey) {
    return x25519.getPublicKey(privateKey);
  },
  x25519(privateKey, publicKey) {
    try {
      const shared = x25519.getSharedSecret(privateKey, publicKey);
      return isAllZero(shared) ? null : shared;
    } catch {
      // noble refuses low-order points before running the ladder
      return null;
    }
  },
  seal(key, nonce, plaintext, aad, out, outOffset) {
    const sealed = chacha20poly1305(key, nonce, aad ?? EMPTY).encrypt(plaintext);
    out.set(sealed, outOffset);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      return chacha20poly1305(key, nonce, aad ?? EMPTY).decrypt(sealed);
    } catch {
      return null;
    }
  },
  xseal(key, nonce, plaintext, aad) {
    return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  },
  xopen(key, nonce, sealed, aad) {
    if (sealed.length < 16) return null;
    try {
      return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return null;
    }
  },
  hash(a, b) {
    if (!b) return blake2s(a);
    return blake2s.create().update(a).update(b).digest();
  },
  hmac(key, data) {
    return hmac(blake2s, key, data);
  },
};

const TAG_SIZE = 16;
const HEADER_SIZE = 16;

/**
 * The engine's backend over a crypto library's primitives: X25519 and the AEADs from `primitives`, HASH, HMAC and KDFn
 * from our BLAKE2s (it keeps no key material after a call). Where the bytes go is decided here, not in the library:
 * an opened plaintext gets an array of exactly its own bytes (its `.buffer` holds nothing else: the device hands it to
 * its consumer), and a transport message is header ‖ sealed payload in one datagram carved from a shared block (it
 * holds only ciphertext once sealed, so it may sit beside other datagrams).
 */
export function backendOn(primitives: CryptoPrimitives): CryptoBackend {
  const p = primitives;
  return {
    name: p.name,
    ...(p.secureCopy ? { secureCopy: p.secureCopy } : {}),
    x25519Base: (privateKey) => p.x25519Base(privateKey),
    x25519: (privateKey, publicKey) => p.x25519(privateKey, publicKey),
    seal(key, nonce, plaintext, aad, out, outOffset) {
      p.seal(key, nonce, plaintext, aad ?? null, out.subarray(outOffset, outOffset + plaintext.length + TAG_SIZE));
    },
    open(key, nonce, sealed, aad) {
      if (sealed.length < TAG_SIZE) return null;
      const plaintext = new Uint8Array(sealed.length - TAG_SIZE);
      return p.open(key, nonce, sealed, aad ?? null, plaintext) ? plaintext : null;
    },
    sealTransport(key, nonce, header, plaintext, padding) {
      // header ‖ seal(plaintext ‖ zero padding); blocks come zero-filled, so the padding is already there
      const length = plaintext.length + padding;
      const message = newBytes(HEADER_SIZE + length + TAG_SIZE);
      for (let i = 0; i < HEADER_SIZE; i++) message[i] = header[i]!;
      const sealed = message.subarray(HEADER_SIZE);
      if (padding === 0) {
        p.seal(key, nonce, plaintext, null, sealed);
      } else {
        // padded: the plaintext is copied in front of its zero padding and sealed in place
        message.set(plaintext, HEADER_SIZE);
        p.seal(key, nonce, message.subarray(HEADER_SIZE, HEADER_SIZE + length), null, sealed);
      }
      return message;
    },
    xseal(key, nonce, plaintext, aad) {
      const sealed = new Uint8Array(plaintext.length + TAG_SIZE);
      p.xseal(key, nonce, plaintext, aad, sealed);
      return sealed;
    },
    xopen(key, nonce, sealed, aad) {
      if (sealed.length < TAG_SIZE) return null;
      const plaintext = new Uint8Array(sealed.length - TAG_SIZE);
      return p.xopen(key, nonce, sealed, aad, plaintext) ? plaintext : null;
    },
    hash: (a, b) => (b ? blake2s256(a, b) : blake2s256(a)),
    hmac: hmacBlake2s,
    hkdf: hkdfBlake2s,
  };
}

/**
 * A 32-byte secret as a long-lived holder keeps it (a device's static key, a session's transport keys): moved into
 * the backend's secure memory when it has some (the array given is wiped), else kept as it is.
 */
export function holdSecret(backend: CryptoBackend, secret: Uint8Array): Uint8Array {
  if (!backend.secureCopy) return secret;
  const held = backend.secureCopy(secret);
  secret.fill(0);
  return held;
}

/** True when every byte is zero, in time independent of where a non-zero byte is. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}
