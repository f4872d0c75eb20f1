/**
 * The side-effect seams every other layer sees. Pure modules (wireguard/, aks/) import these types and nothing
 * else from platform/, so a test or the simulated fabric can hand them a clock, a random source and streams that
 * replay exactly.
 */

/** Milliseconds since the Unix epoch. The real clock reads the wall clock; a simulated one only moves on advance(). */
export interface Clock {
  now(): number;
}

/** A source of random bytes: the OS CSPRNG in production, a seeded stream in tests and simulations. */
export interface Rng {
  bytes(length: number): Uint8Array;
}

/** The part of a writable stream the CLI uses. */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The part of a readable stream the CLI uses (stdin). */
export interface InStream extends AsyncIterable<string | Uint8Array> {
  readonly isTTY?: boolean;
}

/**
 * A crypto library's X25519 (RFC 7748) and AEADs: ChaCha20-Poly1305 IETF (RFC 8439 §2.8) and XChaCha20-Poly1305
 * (draft-irtf-cfrg-xchacha §2), with nothing of WireGuard in it. The production adapter is libsodium through
 * sodium-native (platform/sodium.ts); wireguard/crypto-backend.ts composes the engine's CryptoBackend from one.
 *
 * Every byte array passed in is only valid during the call: an implementation copies what it keeps. Sealing and
 * opening write into the caller's `out`, so the caller decides where the bytes live (a shared block for a datagram
 * of ciphertext, an array of its own for a plaintext).
 */
export interface CryptoPrimitives {
  /** A short name for reports and benchmarks ("sodium"). */
  readonly name: string;
  /**
   * X25519(k, 9), in a fresh array the caller owns (and wipes).
   * @throws {RangeError} if `privateKey` is not 32 bytes.
   */
  x25519Base(privateKey: Uint8Array): Uint8Array;
  /**
   * X25519(k, u), in a fresh array the caller owns (and wipes); null when the result is all zero (`publicKey` has low
   * order) or a key is not 32 bytes.
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;
  /**
   * ChaCha20-Poly1305 IETF: ciphertext ‖ 16-byte tag of `plaintext` into `out`, which is exactly 16 bytes longer than
   * `plaintext`; `plaintext` may be `out`'s first bytes (sealed in place). `aad` null or empty: none.
   * @throws {RangeError} for a key not 32 bytes, a nonce not 12 bytes, `out` of the wrong length, or a plaintext
   *   over 65,535 bytes.
   */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | null, out: Uint8Array): void;
  /**
   * ChaCha20-Poly1305 IETF open of `sealed` (ciphertext ‖ tag) into `out`, which is exactly 16 bytes shorter. False
   * (and `out` zeroed) when the tag does not verify or a length is wrong.
   */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | null, out: Uint8Array): boolean;
  /** XChaCha20-Poly1305 seal with a 24-byte nonce, as seal(). @throws {RangeError} as seal() does. */
  xseal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | null, out: Uint8Array): void;
  /** XChaCha20-Poly1305 open with a 24-byte nonce, as open(). */
  xopen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | null, out: Uint8Array): boolean;
  /**
   * A copy of a long-lived 32-byte secret (a device's static private key) in secure memory: outside V8's heap and
   * Node's Buffer pool, behind guard pages, locked against swapping where the OS allows (libsodium's sodium_malloc),
   * and wiped once the copy is collected. The holder keeps the copy private. Optional: a library without secure
   * memory leaves the secret where it is.
   */
  secureCopy?(secret: Uint8Array): Uint8Array;
}
