/**
 * The production CryptoBackend: X25519, ChaCha20-Poly1305 (IETF) and XChaCha20-Poly1305 from libsodium through
 * sodium-native's public API (native bindings, prebuilt for Linux, macOS and Windows), with the unkeyed BLAKE2s of
 * HASH, HMAC and KDFn from the engine's own tuned implementation (wireguard/blake2s.ts). It must give the same bytes
 * as the noble reference backend: every known-answer vector, tamper and property test runs on both (test/wireguard).
 *
 * Secrets: a private key is copied into one region of sodium_malloc memory (guard pages, locked, never in Node's
 * Buffer pool) for the scalar multiplication, the shared secret is computed there, copied out to a fresh array the
 * caller owns (and wipes), and the region is wiped with sodium_memzero before the call returns. AEAD keys are read
 * in place from the caller's array (a transport key lives in its Keypair, which wipes it). Opened plaintexts are
 * fresh arrays of exactly their own bytes: an opened packet's `.buffer` holds nothing but that packet. Sealed
 * datagrams (ciphertext only) are carved from shared blocks (wireguard/bytes.ts), as packets in flight are.
 *
 * Lives in platform/ because it loads a native addon.
 */
import { createRequire } from 'node:module';
import { blake2s256, hkdfBlake2s, hmacBlake2s } from '../wireguard/blake2s.js';
import { newBytes } from '../wireguard/bytes.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';

/** The part of sodium-native's documented API this backend calls (it ships no type declarations). */
interface SodiumNative {
  sodium_malloc(size: number): Uint8Array;
  sodium_memzero(buf: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  /** @throws when the result is all zero (a low-order point) */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  /** @throws when the tag does not verify */
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_xchacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
}

const require = createRequire(import.meta.url);

const KEY_SIZE = 32;
const TAG_SIZE = 16;
const HEADER_SIZE = 16;
/** Largest message: a UDP datagram's payload (WireGuard's own limit is lower). */
const MAX_MESSAGE = 65_535;

interface Native {
  readonly sodium: SodiumNative;
  /** X25519 scratch in secure memory: scalar ‖ point ‖ result, wiped after every call. */
  readonly secure: Uint8Array;
  readonly scalar: Uint8Array;
  readonly point: Uint8Array;
  readonly result: Uint8Array;
}

let native: Native | undefined;

/**
 * sodium-native and the secure scratch, loaded on first use: a command that imports this module (through cilium/ or
 * the fabric) but seals nothing does not pay for loading a native addon.
 */
function lib(): Native {
  if (native) return native;
  // a CommonJS addon: loaded with require, which the architecture test sees as an import of sodium-native
  const sodium = require('sodium-native') as SodiumNative;
  const secure = sodium.sodium_malloc(3 * KEY_SIZE);
  native = {
    sodium,
    secure,
    scalar: secure.subarray(0, KEY_SIZE),
    point: secure.subarray(KEY_SIZE, 2 * KEY_SIZE),
    result: secure.subarray(2 * KEY_SIZE, 3 * KEY_SIZE),
  };
  return native;
}

/** Plaintexts up to this long are opened into SMALL_SCRATCH and copied out (V8 keeps such arrays on its heap). */
const SMALL_PLAINTEXT = 64;
const SMALL_SCRATCH = new Uint8Array(new ArrayBuffer(SMALL_PLAINTEXT));

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== KEY_SIZE) throw new RangeError(`${what}: key must be ${KEY_SIZE} bytes, got ${key.length}`);
}

function checkAead(key: Uint8Array, nonce: Uint8Array, nonceSize: number, length: number, what: string): void {
  if (key.length !== KEY_SIZE) throw new RangeError(`${what}: key must be ${KEY_SIZE} bytes, got ${key.length}`);
  if (nonce.length !== nonceSize) throw new RangeError(`${what}: nonce must be ${nonceSize} bytes, got ${nonce.length}`);
  if (length > MAX_MESSAGE) throw new RangeError(`${what}: message over ${MAX_MESSAGE} bytes`);
}

/** A copy of the result in a fresh array, then the whole scratch wiped. */
function takeResult(n: Native): Uint8Array {
  const out = new Uint8Array(KEY_SIZE);
  out.set(n.result);
  n.sodium.sodium_memzero(n.secure);
  return out;
}

export const sodiumBackend: CryptoBackend = {
  name: 'sodium',
  x25519Base(privateKey) {
    checkKey(privateKey, 'x25519Base');
    const n = lib();
    n.scalar.set(privateKey);
    n.sodium.crypto_scalarmult_base(n.result, n.scalar);
    return takeResult(n);
  },
  x25519(privateKey, publicKey) {
    if (privateKey.length !== KEY_SIZE || publicKey.length !== KEY_SIZE) return null;
    const n = lib();
    n.scalar.set(privateKey);
    n.point.set(publicKey);
    try {
      n.sodium.crypto_scalarmult(n.result, n.scalar, n.point);
    } catch {
      // libsodium refuses an all-zero result (a low-order point)
      n.sodium.sodium_memzero(n.secure);
      return null;
    }
    return takeResult(n);
  },
  seal(key, nonce, plaintext, aad, out, outOffset) {
    checkAead(key, nonce, 12, plaintext.length, 'seal');
    const sealed = out.subarray(outOffset, outOffset + plaintext.length + TAG_SIZE);
    if (sealed.length !== plaintext.length + TAG_SIZE) throw new RangeError('seal: no room for the sealed message in out');
    lib().sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plaintext, aad && aad.length > 0 ? aad : null, null, nonce, key);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG_SIZE || sealed.length > MAX_MESSAGE + TAG_SIZE || key.length !== KEY_SIZE || nonce.length !== 12) return null;
    const length = sealed.length - TAG_SIZE;
    // a short plaintext is opened into the scratch and copied out: an array of up to 64 bytes lives on V8's heap,
    // and handing a fresh one to native code would first move it off (twice the cost of the open)
    const small = length <= SMALL_PLAINTEXT;
    const into = small ? SMALL_SCRATCH.subarray(0, length) : new Uint8Array(length);
    try {
      lib().sodium.crypto_aead_chacha20poly1305_ietf_decrypt(into, null, sealed, aad && aad.length > 0 ? aad : null, nonce, key);
    } catch {
      return null;
    }
    if (!small) return into;
    const plaintext = new Uint8Array(length);
    plaintext.set(into);
    into.fill(0);
    return plaintext;
  },
  sealTransport(key, nonce, header, plaintext, padding) {
    const length = plaintext.length + padding;
    checkAead(key, nonce, 12, length, 'sealTransport');
    // header ‖ seal(plaintext ‖ zero padding); a datagram holds only ciphertext once sealed, so it may share a block
    // with other datagrams (wireguard/bytes.ts), which come zero-filled
    const message = newBytes(HEADER_SIZE + length + TAG_SIZE);
    for (let i = 0; i < HEADER_SIZE; i++) message[i] = header[i]!;
    const sealed = message.subarray(HEADER_SIZE);
    if (padding === 0) {
      lib().sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plaintext, null, null, nonce, key);
    } else {
      // padded: the plaintext is copied in front of its zero padding and sealed in place (libsodium allows the input
      // and output to coincide)
      message.set(plaintext, HEADER_SIZE);
      lib().sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, message.subarray(HEADER_SIZE, HEADER_SIZE + length), null, null, nonce, key);
    }
    return message;
  },
  xseal(key, nonce, plaintext, aad) {
    checkAead(key, nonce, 24, plaintext.length, 'xseal');
    const sealed = new Uint8Array(plaintext.length + TAG_SIZE);
    lib().sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, plaintext, aad.length > 0 ? aad : null, null, nonce, key);
    return sealed;
  },
  xopen(key, nonce, sealed, aad) {
    if (sealed.length < TAG_SIZE || sealed.length > MAX_MESSAGE + TAG_SIZE || key.length !== KEY_SIZE || nonce.length !== 24) return null;
    const plaintext = new Uint8Array(sealed.length - TAG_SIZE);
    try {
      lib().sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, sealed, aad.length > 0 ? aad : null, nonce, key);
    } catch {
      return null;
    }
    return plaintext;
  },
  hash(a, b) {
    return b ? blake2s256(a, b) : blake2s256(a);
  },
  hmac: hmacBlake2s,
  hkdf: hkdfBlake2s,
};

/** @internal For the secrets tests: the scratch this module keeps between calls (all zero after every call). */
export function _scratch(): Uint8Array[] {
  return [lib().secure, SMALL_SCRATCH];
}
