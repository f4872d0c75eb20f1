/**
 * The receive counter window: RFC 6479's bitmap with the Linux kernel's layout and semantics
 * (drivers/net/wireguard/receive.c counter_validate): 8192 bits in 64-bit words, a usable window of 8128 counters,
 * the greatest counter kept plus one, counter 0 a valid first counter. Counters are BigInt: they span 64 bits.
 * Call accept() only for a packet whose AEAD tag was valid.
 */
import { BlockAllocator } from '../net/bytes.js';
import { COUNTER_BITS_TOTAL, COUNTER_WINDOW_SIZE, COUNTER_WORD_BITS, REJECT_AFTER_MESSAGES } from './constants.js';

const WORDS = COUNTER_BITS_TOTAL / COUNTER_WORD_BITS; // 128 words of 64 bits
const WORD_MASK = BigInt(WORDS - 1);
const WINDOW = BigInt(COUNTER_WINDOW_SIZE);
const WORDS_BIG = BigInt(WORDS);

/** Counters below this are handled in exact double arithmetic; the rest (and everything after) in BigInt. */
const FAST_LIMIT = 2 ** 53 - 2;
const FAST_LIMIT_BIG = BigInt(FAST_LIMIT);

/** Replay bitmaps are kept as long as their session: they get their own blocks (256 KB, 256 bitmaps each). */
const BITMAP_WORDS = WORDS * 2;
const bitmaps = new BlockAllocator(256 * BITMAP_WORDS * 4);

/**
 * A zeroed bitmap for a replay window, carved from a shared block (net/bytes.ts). A 1 KB typed array of its own
 * lives outside the V8 heap: about 1 µs to make, and one more backing store for every scavenge to sweep; a fabric
 * restores and makes thousands per command. A view into a block costs neither; the block is freed once none of its
 * bitmaps is in use.
 */
export function newReplayBitmap(): Uint32Array {
  return bitmaps.words(BITMAP_WORDS);
}

export class ReplayFilter {
  /** Greatest accepted counter + 1 (0: nothing accepted yet), while it is below 2^53. */
  private lastNum = 0;
  /** The same once a counter at or above 2^53 − 2 was seen; from then on only BigInt arithmetic is used. */
  private lastBig: bigint | null = null;
  /**
   * 128 64-bit words, each stored as two 32-bit halves (low, high); null while every bit is clear. Made on first
   * use: a 1 KB typed array lives outside the V8 heap and costs about 1 µs to make, and a fabric restores thousands
   * of sessions per command, many of which never receive.
   */
  private bitmap: Uint32Array | null = null;

  /** The bitmap's length in 32-bit halves, as exportState() gives and importState() takes it. */
  static readonly BITMAP_WORDS = WORDS * 2;

  /**
   * Record `counter` and say whether it is new: false if it is ≥ REJECT_AFTER_MESSAGES, more than the window behind
   * the greatest seen, or already seen. A number must be a non-negative integer.
   */
  accept(counter: bigint | number): boolean {
    if (this.lastBig === null) {
      if (typeof counter === 'number') {
        if (counter < FAST_LIMIT) return Number.isInteger(counter) && counter >= 0 && this.acceptFast(counter);
      } else if (counter < FAST_LIMIT_BIG) {
        return counter >= 0n && this.acceptFast(Number(counter));
      }
      this.lastBig = BigInt(this.lastNum);
    }
    return this.acceptBig(BigInt(counter));
  }

  private acceptFast(counter: number): boolean {
    const c = counter + 1;
    // too old
    if (COUNTER_WINDOW_SIZE + c < this.lastNum) return false;
    const index = Math.floor(c / 64);
    if (c > this.lastNum) {
      // advance: clear the words between the old greatest and the new one
      const bitmap = this.bitmap;
      if (bitmap) {
        const current = Math.floor(this.lastNum / 64);
        const n = Math.min(index - current, WORDS);
        const base = current % WORDS;
        for (let i = 1; i <= n; i++) {
          const w = ((base + i) & (WORDS - 1)) * 2;
          bitmap[w] = 0;
          bitmap[w + 1] = 0;
        }
      }
      this.lastNum = c;
    }
    return this.testAndSet(index % WORDS, c % 64);
  }

  private acceptBig(counter: bigint): boolean {
    const last = this.lastBig!;
    if (last >= REJECT_AFTER_MESSAGES + 1n || counter >= REJECT_AFTER_MESSAGES || counter < 0n) return false;
    const c = counter + 1n;
    // too old
    if (WINDOW + c < last) return false;
    const index = c >> 6n;
    if (c > last) {
      // advance: clear the words between the old greatest and the new one
      const current = last >> 6n;
      let top = index - current;
      if (top > WORDS_BIG) top = WORDS_BIG;
      const base = Number(current & WORD_MASK);
      const n = Number(top);
      const bitmap = this.bitmap;
      for (let i = 1; bitmap && i <= n; i++) {
        const w = ((base + i) & (WORDS - 1)) * 2;
        bitmap[w] = 0;
        bitmap[w + 1] = 0;
      }
      this.lastBig = c;
    }
    return this.testAndSet(Number(index & WORD_MASK), Number(c & 63n));
  }

  private testAndSet(word: number, bit: number): boolean {
    const bitmap = (this.bitmap ??= newReplayBitmap());
    const slot = word * 2 + (bit >>> 5);
    const mask = (1 << (bit & 31)) >>> 0;
    if ((bitmap[slot]! & mask) !== 0) return false;
    bitmap[slot] = (bitmap[slot]! | mask) >>> 0;
    return true;
  }

  /** The greatest counter accepted so far, or -1n if none. */
  get greatest(): bigint {
    return (this.lastBig ?? BigInt(this.lastNum)) - 1n;
  }

  /** The window's state (greatest counter + 1, and the bitmap's 32-bit halves), for a device snapshot. */
  exportState(): { last: bigint; bitmap: Uint32Array } {
    return { last: this.lastBig ?? BigInt(this.lastNum), bitmap: this.bitmap ? Uint32Array.from(this.bitmap) : new Uint32Array(WORDS * 2) };
  }

  /** @internal The bitmap's halves as they are (not a copy: read only), or null while every bit is clear. */
  get words(): Readonly<Uint32Array> | null {
    return this.bitmap;
  }

  /**
   * Restore a state from exportState() (a null bitmap: every bit clear). The filter keeps `bitmap` as its own: the
   * caller must not use it afterwards (exportState() gives a copy, so a round trip shares nothing).
   * @throws {RangeError} if the bitmap has the wrong size or `last` is out of range.
   */
  importState(state: { last: bigint; bitmap: Uint32Array | null }): void {
    if (state.bitmap && state.bitmap.length !== WORDS * 2) throw new RangeError(`ReplayFilter.importState: bitmap must have ${WORDS * 2} words`);
    if (state.last < 0n || state.last > REJECT_AFTER_MESSAGES + 1n) throw new RangeError('ReplayFilter.importState: counter out of range');
    if (state.last <= FAST_LIMIT_BIG) {
      this.lastNum = Number(state.last);
      this.lastBig = null;
    } else {
      this.lastBig = state.last;
    }
    this.bitmap = !state.bitmap || state.bitmap.every((w) => w === 0) ? null : state.bitmap;
  }

  /** Forget everything (a fresh session). */
  reset(): void {
    this.lastNum = 0;
    this.lastBig = null;
    this.bitmap = null;
  }
}
