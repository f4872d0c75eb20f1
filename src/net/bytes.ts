/**
 * The one block allocator: small zero-filled arrays carved from shared blocks. A typed array of its own longer than
 * 64 bytes gets a backing store outside the V8 heap: about 0.3 µs to make (1 µs at 1 KB), and one more entry for
 * every scavenge to sweep. A fabric makes four per flow (the inner packet, the sealed message, the outer datagram,
 * the opened packet) and thousands of replay bitmaps per command; a view into a block costs neither (about 7% of a
 * 100,000-flow run).
 *
 * A block is never handed out twice: each view is an ordinary array its holder may keep as long as it likes, and the
 * garbage collector frees a block once no view into it is left. So a long-kept array keeps its whole block alive:
 * arrays of one lifetime share an allocator (`newBytes` for bytes that die young, such as packets in flight; a
 * module that keeps what it carves makes its own, with blocks sized for it), so a kept array never pins a block of
 * dead packets.
 */
export class BlockAllocator {
  /** Made on first use: a module that never carves does not hold a block. */
  private block: ArrayBuffer | null = null;
  private used = 0;

  /**
   * @param blockSize bytes per shared block.
   * @param maxCarved longer requests get a buffer of their own (they would waste a block's tail, and are few).
   */
  constructor(
    private readonly blockSize: number,
    private readonly maxCarved = blockSize,
  ) {}

  /** A zero-filled array of `length` bytes. */
  bytes(length: number): Uint8Array {
    if (length > this.maxCarved) return new Uint8Array(length);
    const at = this.carve(length);
    return new Uint8Array(this.block!, at, length);
  }

  /** A zero-filled array of `count` 32-bit words. */
  words(count: number): Uint32Array {
    if (count * 4 > this.maxCarved) return new Uint32Array(count);
    const at = this.carve(count * 4);
    return new Uint32Array(this.block!, at, count);
  }

  /** The offset of `length` fresh bytes in the current block (a new block when they do not fit). */
  private carve(length: number): number {
    if (this.block === null || this.used + length > this.blockSize) {
      this.block = new ArrayBuffer(this.blockSize);
      this.used = 0;
    }
    const at = this.used;
    // keep each array 8-byte aligned, so DataViews and wider typed views over it stay cheap
    this.used += (length + 7) & ~7;
    return at;
  }
}

/** Packets in flight: 1 MB blocks; arrays over 4 KB get their own buffer. */
const inFlight = new BlockAllocator(1 << 20, 4096);

/** A zero-filled array of `length` bytes for something short-lived (a packet in flight), carved from a shared block. */
export function newBytes(length: number): Uint8Array {
  return inFlight.bytes(length);
}
