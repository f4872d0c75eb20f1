/**
 * Short-lived byte arrays carved from shared 1 MB blocks. A Uint8Array of its own longer than 64 bytes gets a backing
 * store outside the V8 heap: about 0.3 µs to make, and one more entry for every scavenge to sweep. A fabric makes four
 * per flow (the inner packet, the sealed message, the outer datagram, the opened packet); a view into a block costs
 * neither (about 7% of a 100,000-flow run).
 *
 * A block is never handed out twice: each view is an ordinary array its holder may keep as long as it likes, and the
 * garbage collector frees a block once no view into it is left. So a long-kept array keeps its whole block alive:
 * use this for bytes that die young (packets in flight), not for what is stored.
 */
const BLOCK_SIZE = 1 << 20;
/** Larger arrays get their own buffer: they would waste a block's tail, and are few. */
const MAX_CARVED = 4096;

let block = new ArrayBuffer(BLOCK_SIZE);
let used = 0;

/** A zero-filled array of `length` bytes. */
export function newBytes(length: number): Uint8Array {
  if (length > MAX_CARVED) return new Uint8Array(length);
  if (used + length > BLOCK_SIZE) {
    block = new ArrayBuffer(BLOCK_SIZE);
    used = 0;
  }
  const bytes = new Uint8Array(block, used, length);
  // keep each array 8-byte aligned, so DataViews and wider typed views over it stay cheap
  used += (length + 7) & ~7;
  return bytes;
}
