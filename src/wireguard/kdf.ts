/**
 * The symmetric primitives of Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses them (whitepaper §5.4):
 * HASH (BLAKE2s-256), MAC (keyed BLAKE2s, 16 bytes), HMAC-BLAKE2s and KDF1/2/3 (HKDF with the chaining key as salt).
 */
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { KeyedBlake2s128 } from './blake2s.js';
import { CONSTRUCTION, IDENTIFIER } from './constants.js';
import { nobleBackend, type CryptoBackend } from './crypto-backend.js';

/** The part of a backend the KDF needs. */
export type HashBackend = Pick<CryptoBackend, 'hash' | 'hmac' | 'hkdf'>;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** HASH(a ‖ b ‖ ...) = BLAKE2s-256 of the concatenation. */
export function hash(...parts: Uint8Array[]): Uint8Array {
  const h = blake2s.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MAC(key, input) = keyed BLAKE2s with a 16-byte output. @throws {RangeError} if key is longer than 32 bytes. */
export function mac(key: Uint8Array, input: Uint8Array): Uint8Array {
  if (key.length > 32) throw new RangeError(`mac: key must be at most 32 bytes, got ${key.length}`);
  return blake2s(input, { key, dkLen: 16 });
}

/**
 * MAC(key, ·) for a key that serves many messages (mac1 under a static public key): the engine's BLAKE2s compresses the
 * key block once (KeyedBlake2s128), sparing the per-message constructor, key padding and allocations of mac(). Same
 * bytes as mac(key, input).
 */
export class KeyedMac {
  private readonly keyed: KeyedBlake2s128;

  /** @throws {RangeError} if key is empty or longer than 32 bytes. */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 32) throw new RangeError(`KeyedMac: key must be 1..32 bytes, got ${key.length}`);
    this.keyed = new KeyedBlake2s128(key);
  }

  /** Write MAC(key, input) into `out` at `offset`. */
  macInto(input: Uint8Array, out: Uint8Array, offset: number): void {
    const m = this.compute(input);
    for (let i = 0; i < 16; i++) out[offset + i] = m[i]!;
  }

  /** MAC(key, input) equals the 16 bytes of `expected` at `offset`, compared in constant time. */
  verify(input: Uint8Array, expected: Uint8Array, offset: number): boolean {
    const m = this.compute(input);
    let acc = 0;
    for (let i = 0; i < 16; i++) acc |= m[i]! ^ expected[offset + i]!;
    return acc === 0;
  }

  private compute(input: Uint8Array): Uint8Array {
    return this.keyed.mac(input);
  }
}

/** HMAC-BLAKE2s-256(key, input). */
export function hmacHash(key: Uint8Array, input: Uint8Array): Uint8Array {
  return hmac(blake2s, key, input);
}

const ONE = Uint8Array.of(1);

/** KDFn(key, input): n ∈ {1, 2, 3} 32-byte outputs (HKDF-Extract then Expand with empty info). */
function kdf(n: 1 | 2 | 3, key: Uint8Array, input: Uint8Array, b: HashBackend): Uint8Array[] {
  if (b.hkdf) return b.hkdf(key, input, n);
  // extract
  const prk = b.hmac(key, input);
  // expand: T(i) = HMAC(prk, T(i−1) ‖ i)
  const out: Uint8Array[] = [];
  let prev = b.hmac(prk, ONE);
  out.push(prev);
  for (let i = 2; i <= n; i++) {
    const block = new Uint8Array(33);
    block.set(prev, 0);
    block[32] = i;
    prev = b.hmac(prk, block);
    out.push(prev);
  }
  prk.fill(0);
  return out;
}

/** KDF1(key, input) → τ1. */
export function kdf1(key: Uint8Array, input: Uint8Array, backend: HashBackend = nobleBackend): Uint8Array {
  return kdf(1, key, input, backend)[0]!;
}
/** KDF2(key, input) → (τ1, τ2). */
export function kdf2(key: Uint8Array, input: Uint8Array, backend: HashBackend = nobleBackend): [Uint8Array, Uint8Array] {
  const [a, b] = kdf(2, key, input, backend);
  return [a!, b!];
}
/** KDF3(key, input) → (τ1, τ2, τ3). */
export function kdf3(key: Uint8Array, input: Uint8Array, backend: HashBackend = nobleBackend): [Uint8Array, Uint8Array, Uint8Array] {
  const [a, b, c] = kdf(3, key, input, backend);
  return [a!, b!, c!];
}

/** C0 = HASH(CONSTRUCTION): the initial chaining key. */
export const INITIAL_CHAINING_KEY: Uint8Array = hash(utf8(CONSTRUCTION));
/** H0 = HASH(C0 ‖ IDENTIFIER): the initial hash. */
export const INITIAL_HASH: Uint8Array = hash(INITIAL_CHAINING_KEY, utf8(IDENTIFIER));

/** Bytes of an ASCII label. */
export function label(s: string): Uint8Array {
  return utf8(s);
}
