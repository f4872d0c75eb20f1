/**
 * The receive counter window: RFC 6479's bitmap with the Linux kernel's layout and semantics
 * (drivers/net/wireguard/receive.c counter_validate): 8192 bits in 64-bit words, a usable window of 8128 counters,
 * the greatest counter kept plus one, counter 0 a valid first counter. Counters are BigInt: they span 64 bits.
 * Call accept() only for a packet whose AEAD tag was valid.
 */
import { COUNTER_BITS_TOTAL, COUNTER_WINDOW_SIZE, COUNTER_WORD_BITS, REJECT_AFTER_MESSAGES } from './constants.js';

const WORDS = COUNTER_BITS_TOTAL / COUNTER_WORD_BITS; // 128 words of 64 bits
const WORD_MASK = BigInt(WORDS - 1);
const WINDOW = BigInt(COUNTER_WINDOW_SIZE);
const WORDS_BIG = BigInt(WORDS);

export class ReplayFilter {
  /** Greatest accepted counter + 1 (0: nothing accepted yet). */
  private last = 0n;
  /** 128 64-bit words, each stored as two 32-bit halves (low, high). */
  private readonly bitmap = new Uint32Array(WORDS * 2);

  /**
   * Record `counter` and say whether it is new: false if it is ≥ REJECT_AFTER_MESSAGES, more than the window behind
   * the greatest seen, or already seen.
   */
  accept(counter: bigint): boolean {
    if (this.last >= REJECT_AFTER_MESSAGES + 1n || counter >= REJECT_AFTER_MESSAGES || counter < 0n) return false;
    const c = counter + 1n;
    // too old
    if (WINDOW + c < this.last) return false;
    const index = c >> 6n;
    if (c > this.last) {
      // advance: clear the words between the old greatest and the new one
      const current = this.last >> 6n;
      let top = index - current;
      if (top > WORDS_BIG) top = WORDS_BIG;
      const base = Number(current & WORD_MASK);
      const n = Number(top);
      for (let i = 1; i <= n; i++) {
        const w = ((base + i) & (WORDS - 1)) * 2;
        this.bitmap[w] = 0;
        this.bitmap[w + 1] = 0;
      }
      this.last = c;
    }
    // test and set
    const bit = Number(c & 63n);
    const slot = Number(index & WORD_MASK) * 2 + (bit >>> 5);
    const mask = (1 << (bit & 31)) >>> 0;
    if ((this.bitmap[slot]! & mask) !== 0) return false;
    this.bitmap[slot] = (this.bitmap[slot]! | mask) >>> 0;
    return true;
  }

  /** The greatest counter accepted so far, or -1n if none. */
  get greatest(): bigint {
    return this.last - 1n;
  }

  /** The window's state (greatest counter + 1, and the bitmap's 32-bit halves), for a device snapshot. */
  exportState(): { last: bigint; bitmap: Uint32Array } {
    return { last: this.last, bitmap: Uint32Array.from(this.bitmap) };
  }

  /**
   * Restore a state from exportState().
   * @throws {RangeError} if the bitmap has the wrong size or `last` is out of range.
   */
  importState(state: { last: bigint; bitmap: Uint32Array }): void {
    if (state.bitmap.length !== this.bitmap.length) throw new RangeError(`ReplayFilter.importState: bitmap must have ${this.bitmap.length} words`);
    if (state.last < 0n || state.last > REJECT_AFTER_MESSAGES + 1n) throw new RangeError('ReplayFilter.importState: counter out of range');
    this.last = state.last;
    this.bitmap.set(state.bitmap);
  }

  /** Forget everything (a fresh session). */
  reset(): void {
    this.last = 0n;
    this.bitmap.fill(0);
  }
}
