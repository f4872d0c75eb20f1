/**
 * The per-source handshake rate limit (kernel ratelimiter.c, wireguard-go ratelimiter/): under load, a handshake
 * message that passed mac1 and mac2 is processed only if its source address still has a token. Each source (an IPv4
 * address, or an IPv6 /64 as the kernel keys it) has a bucket refilled at 20 packets/s up to a burst of 5; a source
 * not seen for a second is forgotten. It runs before any Diffie-Hellman, so a flood from one cookie-holding source
 * costs at most 20 DH computations a second, and other sources keep their own buckets. Time comes from the caller
 * (the device's injected clock).
 */

// --- Implementation constants (kernel ratelimiter.c) -------------------------------------------------------------

/** Handshake messages a source may have processed per second, sustained. */
export const RATELIMIT_PACKETS_PER_SECOND = 20;
/** Messages a quiet source may send at once. */
export const RATELIMIT_PACKETS_BURSTABLE = 5;
/** One message's cost in milliseconds of tokens: 1000 / 20 = 50 ms. */
const PACKET_COST_MS = 1000 / RATELIMIT_PACKETS_PER_SECOND;
/** A bucket's capacity: PACKET_COST × PACKETS_BURSTABLE = 250 ms. */
const TOKEN_MAX_MS = PACKET_COST_MS * RATELIMIT_PACKETS_BURSTABLE;
/** Buckets idle this long are dropped (the kernel's and wireguard-go's garbage collection period). */
const BUCKET_IDLE_MS = 1000;
/** At most this many sources are tracked; a new source past it is refused (the kernel's table limit). */
export const RATELIMIT_MAX_SOURCES = 65_536;

interface Bucket {
  tokens: number;
  lastTime: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = -Infinity;

  /**
   * True if a handshake message from `source` (4 IPv4 or 16 IPv6 address bytes) may be processed at `now` (ms), taking
   * a token; false if the source is over its rate.
   */
  allow(source: Uint8Array, now: number): boolean {
    if (now - this.lastSweep >= BUCKET_IDLE_MS) this.sweep(now);
    const key = sourceKey(source);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= RATELIMIT_MAX_SOURCES) return false;
      // a new source starts with a full bucket, less this message
      this.buckets.set(key, { tokens: TOKEN_MAX_MS - PACKET_COST_MS, lastTime: now });
      return true;
    }
    // refill by the time elapsed, capped at the burst
    bucket.tokens = Math.min(TOKEN_MAX_MS, bucket.tokens + Math.max(0, now - bucket.lastTime));
    bucket.lastTime = now;
    if (bucket.tokens < PACKET_COST_MS) return false;
    bucket.tokens -= PACKET_COST_MS;
    return true;
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.lastTime > BUCKET_IDLE_MS) this.buckets.delete(key);
  }
}

/**
 * The bucket key of a source address: the whole IPv4 address, or the /64 of an IPv6 one. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 senders) is keyed as its IPv4 address: by its /64, every IPv4
 * sender would share one bucket.
 */
function sourceKey(source: Uint8Array): string {
  let from = 0;
  let to = source.length;
  if (source.length === 16) {
    if (isV4Mapped(source)) from = 12;
    else to = 8;
  }
  let key = to - from === 4 ? '4:' : '6:';
  for (let i = from; i < to; i++) key += String.fromCharCode(source[i]!);
  return key;
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}
