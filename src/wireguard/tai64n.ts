/**
 * TAI64N timestamps (whitepaper §5.1): 12 bytes big-endian, seconds 2^62 + 10 + unix seconds, then nanoseconds.
 * We round the nanoseconds down to a multiple of 2^24 (as the kernel and wireguard-go do) so the timestamp does not
 * leak the sender's fine clock; receivers compare without requiring it.
 */

const TAI64_EPOCH = 0x400000000000000an;
/** Nanosecond granularity of the timestamps we send (≈ 16.8 ms). */
export const TIMESTAMP_WHITENER_NS = 1 << 24;
export const TAI64N_SIZE = 12;

/**
 * The TAI64N label of a wall-clock time in milliseconds since the Unix epoch.
 * @throws {RangeError} if `unixMs` is negative or not finite.
 */
export function tai64n(unixMs: number): Uint8Array {
  if (!Number.isFinite(unixMs) || unixMs < 0) throw new RangeError(`tai64n: unixMs must be ≥ 0, got ${unixMs}`);
  const seconds = Math.floor(unixMs / 1000);
  const nanos = Math.floor((unixMs - seconds * 1000) * 1e6);
  const whitened = nanos - (nanos % TIMESTAMP_WHITENER_NS);
  // big-endian bytes written one by one: a DataView over a fresh small array would move it off the V8 heap
  const out = new Uint8Array(TAI64N_SIZE);
  const label = TAI64_EPOCH + BigInt(seconds);
  const hi = Number(label >> 32n), lo = Number(label & 0xffffffffn);
  for (let i = 0; i < 4; i++) {
    out[3 - i] = (hi >>> (8 * i)) & 255;
    out[7 - i] = (lo >>> (8 * i)) & 255;
    out[11 - i] = (whitened >>> (8 * i)) & 255;
  }
  return out;
}

/** Byte-wise comparison of two TAI64N labels: negative, zero or positive like a comparator. */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TAI64N_SIZE; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
