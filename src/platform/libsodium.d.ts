// The raw libsodium.js build (npm "libsodium"): an Emscripten module factory with the C API as exported functions.
// It ships no types; these are the parts wg-fast-crypto.ts calls. 64-bit lengths are passed as two 32-bit halves
// (low, high), as Emscripten legalises them; pointers are offsets into HEAPU8.
declare module 'libsodium' {
  export interface SodiumModule {
    readonly HEAPU8: Uint8Array;
    _sodium_init(): number;
    _malloc(size: number): number;
    /** (c, clen_p, m, mlen_lo, mlen_hi, ad, adlen_lo, adlen_hi, nsec, npub, k) → 0 */
    _crypto_aead_chacha20poly1305_ietf_encrypt(
      c: number, clenP: number, m: number, mlenLo: number, mlenHi: number,
      ad: number, adlenLo: number, adlenHi: number, nsec: number, npub: number, k: number,
    ): number;
    /** (m, mlen_p, nsec, c, clen_lo, clen_hi, ad, adlen_lo, adlen_hi, npub, k) → 0, or −1 when the tag is wrong */
    _crypto_aead_chacha20poly1305_ietf_decrypt(
      m: number, mlenP: number, nsec: number, c: number, clenLo: number, clenHi: number,
      ad: number, adlenLo: number, adlenHi: number, npub: number, k: number,
    ): number;
  }
  /** Instantiate the module; `getRandomValue` feeds libsodium's own generator (which aks-wg never asks for bytes). */
  export default function factory(options?: { getRandomValue?: () => number }): Promise<SodiumModule>;
}
