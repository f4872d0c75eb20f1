/**
 * Unkeyed BLAKE2s-256 (RFC 7693) and HMAC-BLAKE2s, tuned for the short inputs of the Noise handshake: the
 * compression function keeps its state in locals, and HMAC reuses one scratch block. The keyed MAC of mac1/mac2 and
 * cookies stays on @noble/hashes; this file is checked against @noble/hashes' blake2s and hmac on random inputs
 * (test/wireguard/blake2s.test.ts) and by every handshake vector.
 */

// RFC 7693 §2.6: the SHA-256 initial values
const IV = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

// RFC 7693 §2.7: message word permutations, one row per round (10 rounds), flattened
const SIGMA = Uint8Array.of(
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
);

/** Incremental BLAKE2s-256 without a key (parameter block: digest length 32, fanout 1, depth 1). */
class Blake2s {
  private readonly h = new Uint32Array(8);
  private readonly block = new Uint8Array(64);
  private readonly m = new Uint32Array(16);
  private fill = 0;
  private t = 0; // bytes compressed so far (inputs here are far below 2^32)

  constructor() {
    this.reset();
  }

  reset(): this {
    this.h.set(IV);
    this.h[0] = (IV[0]! ^ 0x01010020) >>> 0;
    this.fill = 0;
    this.t = 0;
    return this;
  }

  update(data: Uint8Array): this {
    let i = 0;
    const n = data.length;
    while (i < n) {
      // compress a full block only when more input follows: the last block is compressed by digest()
      if (this.fill === 64) {
        this.t += 64;
        this.compress(false);
        this.fill = 0;
      }
      const take = Math.min(64 - this.fill, n - i);
      this.block.set(data.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
    }
    return this;
  }

  digestInto(out: Uint8Array, offset = 0): void {
    this.t += this.fill;
    this.block.fill(0, this.fill);
    this.compress(true);
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      out[offset + 4 * i] = v & 255;
      out[offset + 4 * i + 1] = (v >>> 8) & 255;
      out[offset + 4 * i + 2] = (v >>> 16) & 255;
      out[offset + 4 * i + 3] = v >>> 24;
    }
  }

  digest(): Uint8Array {
    const out = new Uint8Array(32);
    this.digestInto(out);
    return out;
  }

  // RFC 7693 §3.2: F
  private compress(last: boolean): void {
    const b = this.block, m = this.m, h = this.h;
    for (let i = 0; i < 16; i++) m[i] = b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24);
    let v0 = h[0]! | 0, v1 = h[1]! | 0, v2 = h[2]! | 0, v3 = h[3]! | 0;
    let v4 = h[4]! | 0, v5 = h[5]! | 0, v6 = h[6]! | 0, v7 = h[7]! | 0;
    let v8 = IV[0]! | 0, v9 = IV[1]! | 0, v10 = IV[2]! | 0, v11 = IV[3]! | 0;
    let v12 = (IV[4]! ^ this.t) | 0, v13 = IV[5]! | 0, v14 = (last ? ~IV[6]! : IV[6]!) | 0, v15 = IV[7]! | 0;
    for (let r = 0; r < 160; r += 16) {
      // G mixes (RFC 7693 §3.1) with rotations 16, 12, 8, 7
      v0 = (v0 + v4 + m[SIGMA[r]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
      v0 = (v0 + v4 + m[SIGMA[r + 1]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);

      v1 = (v1 + v5 + m[SIGMA[r + 2]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
      v1 = (v1 + v5 + m[SIGMA[r + 3]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);

      v2 = (v2 + v6 + m[SIGMA[r + 4]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
      v2 = (v2 + v6 + m[SIGMA[r + 5]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);

      v3 = (v3 + v7 + m[SIGMA[r + 6]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
      v3 = (v3 + v7 + m[SIGMA[r + 7]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);

      v0 = (v0 + v5 + m[SIGMA[r + 8]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
      v0 = (v0 + v5 + m[SIGMA[r + 9]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);

      v1 = (v1 + v6 + m[SIGMA[r + 10]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
      v1 = (v1 + v6 + m[SIGMA[r + 11]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);

      v2 = (v2 + v7 + m[SIGMA[r + 12]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
      v2 = (v2 + v7 + m[SIGMA[r + 13]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);

      v3 = (v3 + v4 + m[SIGMA[r + 14]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
      v3 = (v3 + v4 + m[SIGMA[r + 15]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
    }
    h[0] = h[0]! ^ v0 ^ v8; h[1] = h[1]! ^ v1 ^ v9; h[2] = h[2]! ^ v2 ^ v10; h[3] = h[3]! ^ v3 ^ v11;
    h[4] = h[4]! ^ v4 ^ v12; h[5] = h[5]! ^ v5 ^ v13; h[6] = h[6]! ^ v6 ^ v14; h[7] = h[7]! ^ v7 ^ v15;
  }
}

const shared = new Blake2s();

/** BLAKE2s-256 of the concatenation of `parts`. */
export function blake2s256(...parts: Uint8Array[]): Uint8Array {
  shared.reset();
  for (const p of parts) shared.update(p);
  return shared.digest();
}

const ipad = new Uint8Array(64);
const opad = new Uint8Array(64);
const inner = new Uint8Array(32);

/** HMAC-BLAKE2s-256 (RFC 2104, block 64 bytes) of `data` under `key`. */
export function hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  // keys longer than a block are hashed first (RFC 2104 §2)
  const k = key.length > 64 ? blake2s256(key) : key;
  ipad.fill(0x36);
  opad.fill(0x5c);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  shared.reset().update(ipad).update(data).digestInto(inner);
  const out = new Uint8Array(32);
  shared.reset().update(opad).update(inner).digestInto(out);
  return out;
}
