import { randomFillSync } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Rng } from './types.js';

/** The operating system's CSPRNG. */
export const systemRng: Rng = {
  bytes(length: number): Uint8Array {
    return randomFillSync(new Uint8Array(length));
  },
};

/**
 * A deterministic random stream: ChaCha20 keystream under SHA-256(seed). The same seed gives the same bytes, so a
 * seeded simulation (keys, ephemerals, sender indices, jitter) replays byte for byte. Not for real secrets.
 */
export function seededRng(seed: string | number): Rng {
  const key = sha256(new TextEncoder().encode(`aks-wg seeded rng:${seed}`));
  const nonce = new Uint8Array(12);
  const block = 64 * 64;
  let counter = 0;
  let buf = new Uint8Array(0);
  let pos = 0;
  return {
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        if (pos === buf.length) {
          buf = chacha20(key, nonce, new Uint8Array(block), undefined, counter);
          counter += block / 64;
          pos = 0;
        }
        const take = Math.min(length - filled, buf.length - pos);
        out.set(buf.subarray(pos, pos + take), filled);
        // what was handed out (keys among it) does not stay behind in the keystream buffer
        buf.fill(0, pos, pos + take);
        filled += take;
        pos += take;
      }
      return out;
    },
  };
}

/** A uniform integer in [0, bound) from an Rng (bound ≤ 2^32). */
export function randomInt(rng: Rng, bound: number): number {
  const b = rng.bytes(4);
  const v = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  return Math.floor((v / 0x1_0000_0000) * bound);
}
