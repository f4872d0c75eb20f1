/**
 * The backend the fabric and the UDP adapter run on: nodeCryptoBackend's X25519 (OpenSSL) and BLAKE2s, with
 * ChaCha20-Poly1305 from libsodium (compiled to WebAssembly, through libsodium-wrappers).
 *
 * Why not node:crypto's AEAD: createCipheriv builds a new OpenSSL context and a stream object per packet, about
 * 3 µs before a byte is sealed, and each object leaves work for the garbage collector (weak handles). Most fabric
 * packets are short: libsodium seals a 64-byte packet in about 1.1 µs and opens it in 0.6 µs (node: 3.0 µs each),
 * and is still faster at 1420 bytes (3.4 against 4.1 µs). Both give the same bytes; every backend must pass the
 * known-answer vectors (test/wireguard) and the wireguard-go interop test runs on this one.
 *
 * libsodium initialises asynchronously (it instantiates its WebAssembly module), so this module waits for it when
 * it is imported (about 20 ms): import it only where packets are sealed, not in every command.
 */
import sodium from 'libsodium-wrappers';
import type { CryptoBackend } from '../wireguard/crypto-backend.js';
import { nodeCryptoBackend } from './wg-node-crypto.js';

await sodium.ready;

const TAG_SIZE = 16;
const HEADER_SIZE = 16;

export const fastCryptoBackend: CryptoBackend = {
  ...nodeCryptoBackend,
  name: 'node+libsodium',
  seal(key, nonce, plaintext, aad, out, outOffset) {
    out.set(sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, aad ?? null, null, nonce, key), outOffset);
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG_SIZE) return null;
    try {
      return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, aad ?? null, nonce, key);
    } catch {
      // the tag did not verify
      return null;
    }
  },
  sealTransport(key, nonce, header, plaintext, padding) {
    let input = plaintext;
    if (padding > 0) {
      input = new Uint8Array(plaintext.length + padding);
      input.set(plaintext, 0);
    }
    const sealed = sodium.crypto_aead_chacha20poly1305_ietf_encrypt(input, null, null, nonce, key);
    const out = new Uint8Array(HEADER_SIZE + sealed.length);
    out.set(header, 0);
    out.set(sealed, HEADER_SIZE);
    return out;
  },
};
