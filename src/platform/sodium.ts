/**
 * X25519, ChaCha20-Poly1305 (IETF) and XChaCha20-Poly1305 from libsodium through sodium-native's public API (native
 * bindings, prebuilt for Linux, macOS and Windows): the CryptoPrimitives port (types.ts), nothing of WireGuard. The
 * engine's production backend is composed from it above (wg-host/sodium-backend.ts); it must give the same bytes as
 * the noble reference backend, which every known-answer vector, tamper and property test checks (test/wireguard).
 *
 * Secrets: a private key is copied into one region of sodium_malloc memory (guard pages, locked, never in Node's
 * Buffer pool) for the scalar multiplication, the shared secret is computed there, copied out to a fresh array the
 * caller owns (and wipes), and the region is wiped with sodium_memzero before the call returns. AEAD keys are read
 * in place from the caller's array. A short plaintext is opened through a scratch that is wiped after the copy.
 * Long-lived secrets (a device's static private key, a session's transport keys) get 32-byte slots in shared
 * sodium_malloc arenas (secureCopy).
 *
 * Lives in platform/ because it loads a native addon.
 */
import { createRequire } from 'node:module';
import type { CryptoPrimitives } from './types.js';

/** The part of sodium-native's documented API this adapter calls (it ships no type declarations). */
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

function checkSeal(key: Uint8Array, nonce: Uint8Array, nonceSize: number, plaintext: Uint8Array, out: Uint8Array, what: string): void {
  checkKey(key, what);
  if (nonce.length !== nonceSize) throw new RangeError(`${what}: nonce must be ${nonceSize} bytes, got ${nonce.length}`);
  if (plaintext.length > MAX_MESSAGE) throw new RangeError(`${what}: message over ${MAX_MESSAGE} bytes`);
  if (out.length !== plaintext.length + TAG_SIZE) throw new RangeError(`${what}: out must be ${plaintext.length + TAG_SIZE} bytes, got ${out.length}`);
}

function canOpen(key: Uint8Array, nonce: Uint8Array, nonceSize: number, sealed: Uint8Array, out: Uint8Array): boolean {
  return key.length === KEY_SIZE && nonce.length === nonceSize && sealed.length >= TAG_SIZE && sealed.length <= MAX_MESSAGE + TAG_SIZE && out.length === sealed.length - TAG_SIZE;
}

/** A copy of the result in a fresh array, then the whole scratch wiped. */
function takeResult(n: Native): Uint8Array {
  const out = new Uint8Array(KEY_SIZE);
  out.set(n.result);
  n.sodium.sodium_memzero(n.secure);
  return out;
}

/** libsodium takes null for no associated data. */
const adOf = (aad: Uint8Array | null) => (aad && aad.length > 0 ? aad : null);

/** A libsodium AEAD decrypt as sodium-native exposes it (throws when the tag does not verify). */
type Decrypt = SodiumNative['crypto_aead_chacha20poly1305_ietf_decrypt'];

/**
 * Open `sealed` into `out` with `decrypt` (ChaCha20-Poly1305 or XChaCha20-Poly1305, `nonceSize` 12 or 24): false, and
 * `out` zeroed, when the sizes are wrong or the tag does not verify. A short plaintext is opened into the scratch and
 * copied out: an array of up to 64 bytes lives on V8's heap, and handing it to native code would first move it off
 * (twice the cost of the open).
 */
function openInto(decrypt: Decrypt, nonceSize: number, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | null, out: Uint8Array): boolean {
  if (!canOpen(key, nonce, nonceSize, sealed, out)) {
    out.fill(0);
    return false;
  }
  const small = out.length <= SMALL_PLAINTEXT;
  const into = small ? SMALL_SCRATCH.subarray(0, out.length) : out;
  try {
    decrypt(into, null, sealed, adOf(aad), nonce, key);
  } catch {
    into.fill(0);
    out.fill(0);
    return false;
  }
  if (small) {
    out.set(into);
    into.fill(0);
  }
  return true;
}

/**
 * Secure slots for long-lived keys, carved from arenas of sodium_malloc memory. One sodium_malloc per key would cost
 * four memory mappings and about 9 KiB each (measured: 5,000 keys, 45 MiB and 20,000 mappings; at Linux's 65,530
 * mappings sodium_malloc fails and sodium-native aborts the process), and a fabric makes a device per node per
 * thread. A slot is wiped and reused once the view handed out is collected. Holders keep their view private: its
 * `.buffer` is the whole arena.
 */
const SLOT_SIZE = 32;
const ARENA_SLOTS = 1024;

interface Arena {
  readonly region: Uint8Array;
  readonly free: number[];
}

const arenas: Arena[] = [];
/** The arenas with a free slot (a stack: taking a slot never scans). */
const open: Arena[] = [];

const slotsReleased = new FinalizationRegistry<{ arena: Arena; slot: number }>(({ arena, slot }) => {
  lib().sodium.sodium_memzero(arena.region.subarray(slot * SLOT_SIZE, (slot + 1) * SLOT_SIZE));
  arena.free.push(slot);
  if (arena.free.length === 1) open.push(arena);
});

function secureSlot(): { arena: Arena; slot: number } {
  let arena = open[open.length - 1];
  if (!arena) {
    arena = { region: lib().sodium.sodium_malloc(SLOT_SIZE * ARENA_SLOTS), free: [] };
    for (let i = ARENA_SLOTS - 1; i >= 0; i--) arena.free.push(i);
    arenas.push(arena);
    open.push(arena);
  }
  const slot = arena.free.pop()!;
  if (arena.free.length === 0) open.pop();
  return { arena, slot };
}

export const sodiumPrimitives: CryptoPrimitives = {
  name: 'sodium',
  secureCopy(secret) {
    if (secret.length !== SLOT_SIZE) throw new RangeError(`secureCopy: a secret of ${SLOT_SIZE} bytes, got ${secret.length}`);
    const held = secureSlot();
    const view = held.arena.region.subarray(held.slot * SLOT_SIZE, (held.slot + 1) * SLOT_SIZE);
    view.set(secret);
    slotsReleased.register(view, held);
    return view;
  },
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
  seal(key, nonce, plaintext, aad, out) {
    checkSeal(key, nonce, 12, plaintext, out, 'seal');
    // libsodium allows the plaintext and the ciphertext to coincide (sealed in place)
    lib().sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, adOf(aad), null, nonce, key);
  },
  open(key, nonce, sealed, aad, out) {
    return openInto(lib().sodium.crypto_aead_chacha20poly1305_ietf_decrypt, 12, key, nonce, sealed, aad, out);
  },
  xseal(key, nonce, plaintext, aad, out) {
    checkSeal(key, nonce, 24, plaintext, out, 'xseal');
    lib().sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, adOf(aad), null, nonce, key);
  },
  xopen(key, nonce, sealed, aad, out) {
    return openInto(lib().sodium.crypto_aead_xchacha20poly1305_ietf_decrypt, 24, key, nonce, sealed, aad, out);
  },
};

/** @internal For the secrets tests: the arenas of secure slots (secureCopy). */
export function _secureArenas(): ArrayBufferLike[] {
  return arenas.map((a) => a.region.buffer);
}

/** @internal For the secrets tests: the scratch this module keeps between calls (all zero after every call). */
export function _scratch(): Uint8Array[] {
  return [lib().secure, SMALL_SCRATCH];
}
