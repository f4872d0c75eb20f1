/**
 * Wire layouts of the four WireGuard messages (whitepaper §5.4.2–§5.4.7). All integers little-endian; the first four
 * bytes are the type as a 32-bit word, so the three reserved bytes must be zero. Decoders return views into the
 * datagram (no copies) or null for anything malformed; they never throw on untrusted input.
 */
import {
  COOKIE_REPLY_SIZE,
  INITIATION_SIZE,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  RESPONSE_SIZE,
  TRANSPORT_MIN_SIZE,
} from './constants.js';

/** Offsets of the fields, by message. */
export const INITIATION = { sender: 4, ephemeral: 8, static: 40, timestamp: 88, mac1: 116, mac2: 132 } as const;
export const RESPONSE = { sender: 4, receiver: 8, ephemeral: 12, empty: 44, mac1: 60, mac2: 76 } as const;
export const COOKIE_REPLY = { receiver: 4, nonce: 8, cookie: 32 } as const;
export const TRANSPORT = { receiver: 4, counter: 8, payload: 16 } as const;

export type MessageType = 1 | 2 | 3 | 4;

/**
 * The message type of a datagram, or null when its length does not fit the type or a reserved byte is set.
 */
export function messageType(datagram: Uint8Array): MessageType | null {
  if (datagram.length < 4 || datagram[1] !== 0 || datagram[2] !== 0 || datagram[3] !== 0) return null;
  switch (datagram[0]) {
    case MESSAGE_INITIATION:
      return datagram.length === INITIATION_SIZE ? MESSAGE_INITIATION : null;
    case MESSAGE_RESPONSE:
      return datagram.length === RESPONSE_SIZE ? MESSAGE_RESPONSE : null;
    case MESSAGE_COOKIE_REPLY:
      return datagram.length === COOKIE_REPLY_SIZE ? MESSAGE_COOKIE_REPLY : null;
    case MESSAGE_TRANSPORT:
      return datagram.length >= TRANSPORT_MIN_SIZE ? MESSAGE_TRANSPORT : null;
    default:
      return null;
  }
}

/** Read a little-endian u32. */
export function readU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Write a little-endian u32. */
export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 255;
  b[off + 1] = (v >>> 8) & 255;
  b[off + 2] = (v >>> 16) & 255;
  b[off + 3] = (v >>> 24) & 255;
}

/** Read a little-endian u64 as a BigInt. */
export function readU64(b: Uint8Array, off: number): bigint {
  const lo = readU32(b, off);
  const hi = readU32(b, off + 4);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Read a little-endian u64 as a number when below 2^53, else as a BigInt (avoids a BigInt per packet). */
export function readU64Fast(b: Uint8Array, off: number): number | bigint {
  const lo = readU32(b, off);
  const hi = readU32(b, off + 4);
  return hi < 0x200000 ? hi * 0x100000000 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Write a little-endian u64 from a BigInt. */
export function writeU64(b: Uint8Array, off: number, v: bigint): void {
  writeU32(b, off, Number(v & 0xffffffffn));
  writeU32(b, off + 4, Number(v >> 32n));
}

/** Start a message of `size` bytes with its type word. */
export function newMessage(type: MessageType, size: number): Uint8Array {
  const m = new Uint8Array(size);
  m[0] = type;
  return m;
}
