/**
 * The backend the fabric and the UDP adapter run on: nodeCryptoBackend's X25519 (OpenSSL) and BLAKE2s, with
 * ChaCha20-Poly1305 from libsodium compiled to WebAssembly (the raw libsodium.js build, npm "libsodium").
 *
 * Why not node:crypto's AEAD: createCipheriv builds a new OpenSSL context and a stream object per packet, about
 * 3 µs before a byte is sealed, and each object leaves work for the garbage collector (weak handles). Most fabric
 * packets are short: libsodium seals a 64-byte packet in about 0.8 µs and opens it in 0.5 µs (node: 3.0 µs each),
 * and is still faster at 1420 bytes (3.8 against 4.1 µs). Both give the same bytes; every backend must pass the
 * known-answer vectors (test/wireguard), and the wireguard-go interop test runs on this one.
 *
 * The C functions are called directly on buffers made once in the module's memory (the libsodium-wrappers layer
 * allocates, copies and frees per call, about 0.3 µs of a 64-byte seal). Nothing here allocates in that memory after
 * start-up, so it never grows and HEAPU8 stays valid; it is read each call all the same. Sizes are checked before
 * anything is copied in, and the key is wiped from that memory after each call. Results are carved from shared
 * blocks (wireguard/bytes.ts): packets in flight die young.
 *
 * libsodium initialises asynchronously (it instantiates its WebAssembly module), so this module waits for it when
 * it is imported (about 10 ms): import it only where packets are sealed, not in every command.
 */
import { getRandomValues } from 'node:crypto';
import factory from 'libsodium';
import { newBytes } from '../wireguard/bytes.js';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { nodeCryptoBackend } from './wg-node-crypto.js';

const sodium = await factory({ getRandomValue: () => getRandomValues(new Uint32Array(1))[0]! });
if (sodium._sodium_init() < 0) throw new Error('libsodium failed to initialise');

const TAG_SIZE = 16;
const HEADER_SIZE = 16;
/** Largest message: a UDP datagram's payload (WireGuard's own limit is lower). */
const MAX_MESSAGE = 65_535;
/** The associated data WireGuard uses is a 32-byte hash; room to spare. */
const MAX_AAD = 256;

// scratch buffers in the module's memory: key, nonce, associated data, input, output (room for a header in front)
const KEY = sodium._malloc(32);
const NONCE = sodium._malloc(12);
const AAD = sodium._malloc(MAX_AAD);
const INPUT = sodium._malloc(MAX_MESSAGE + TAG_SIZE);
const OUTPUT = sodium._malloc(HEADER_SIZE + MAX_MESSAGE + TAG_SIZE);

/**
 * Copy key, nonce and associated data in, after checking every size (a message of `messageLength` bytes included),
 * so nothing is written past a scratch buffer; returns the length of the associated data (0 without).
 */
function load(heap: Uint8Array, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, messageLength: number): number {
  if (key.length !== 32 || nonce.length !== 12) throw new RangeError('ChaCha20-Poly1305: a 32-byte key and a 12-byte nonce are required');
  if (messageLength > MAX_MESSAGE + TAG_SIZE) throw new RangeError(`ChaCha20-Poly1305: message over ${MAX_MESSAGE} bytes`);
  heap.set(key, KEY);
  heap.set(nonce, NONCE);
  if (!aad || aad.length === 0) return 0;
  if (aad.length > MAX_AAD) throw new RangeError(`ChaCha20-Poly1305: associated data over ${MAX_AAD} bytes`);
  heap.set(aad, AAD);
  return aad.length;
}

/** Seal `length` bytes at INPUT into OUTPUT + `at`, then wipe the key from the module's memory. */
function sealInput(heap: Uint8Array, length: number, aadLength: number, at: number): void {
  sodium._crypto_aead_chacha20poly1305_ietf_encrypt(OUTPUT + at, 0, INPUT, length, 0, aadLength ? AAD : 0, aadLength, 0, 0, NONCE, KEY);
  heap.fill(0, KEY, KEY + 32);
}

export const fastCryptoBackend: CryptoBackend = {
  ...nodeCryptoBackend,
  name: 'node+libsodium',
  seal(key, nonce, plaintext, aad, out, outOffset) {
    const heap = sodium.HEAPU8;
    const aadLength = load(heap, key, nonce, aad, plaintext.length + TAG_SIZE);
    heap.set(plaintext, INPUT);
    sealInput(heap, plaintext.length, aadLength, 0);
    out.set(heap.subarray(OUTPUT, OUTPUT + plaintext.length + TAG_SIZE), outOffset);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG_SIZE || sealed.length > MAX_MESSAGE + TAG_SIZE) return null;
    const heap = sodium.HEAPU8;
    const aadLength = load(heap, key, nonce, aad, sealed.length);
    heap.set(sealed, INPUT);
    const ok = sodium._crypto_aead_chacha20poly1305_ietf_decrypt(OUTPUT, 0, 0, INPUT, sealed.length, 0, aadLength ? AAD : 0, aadLength, 0, NONCE, KEY);
    heap.fill(0, KEY, KEY + 32);
    if (ok !== 0) return null;
    const plaintext = newBytes(sealed.length - TAG_SIZE);
    plaintext.set(heap.subarray(OUTPUT, OUTPUT + plaintext.length));
    return plaintext;
  },
  sealTransport(key, nonce, header, plaintext, padding) {
    const heap = sodium.HEAPU8;
    const length = plaintext.length + padding;
    load(heap, key, nonce, undefined, length + TAG_SIZE);
    heap.set(plaintext, INPUT);
    if (padding > 0) heap.fill(0, INPUT + plaintext.length, INPUT + length);
    sealInput(heap, length, 0, HEADER_SIZE);
    heap.set(header, OUTPUT);
    const message = newBytes(HEADER_SIZE + length + TAG_SIZE);
    message.set(heap.subarray(OUTPUT, OUTPUT + message.length));
    return message;
  },
};
