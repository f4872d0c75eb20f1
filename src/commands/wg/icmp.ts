/** ICMP echo over IPv4, just enough for `wg ping` and `wg listen`: build requests, recognise and answer them. */
import { parseIp } from '../../net/ip.js';

/** The Internet checksum (RFC 1071) of bytes [start, end). */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length): number {
  let sum = 0;
  for (let i = start; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if ((end - start) % 2 === 1) sum += b[end - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 packet carrying ICMP `type` 8 (request) or 0 (reply) with id, seq and payload. */
export function icmpEcho(src: Uint8Array, dst: Uint8Array, type: 0 | 8, id: number, seq: number, payload: Uint8Array, ttl = 64): Uint8Array {
  const total = 20 + 8 + payload.length;
  const p = new Uint8Array(total);
  p[0] = 0x45;
  p[2] = total >> 8;
  p[3] = total & 255;
  p[6] = 0x40; // don't fragment
  p[8] = ttl;
  p[9] = 1; // ICMP
  p.set(src, 12);
  p.set(dst, 16);
  const hc = internetChecksum(p, 0, 20);
  p[10] = hc >> 8;
  p[11] = hc & 255;
  p[20] = type;
  p[24] = (id >> 8) & 255;
  p[25] = id & 255;
  p[26] = (seq >> 8) & 255;
  p[27] = seq & 255;
  p.set(payload, 28);
  const ic = internetChecksum(p, 20, total);
  p[22] = ic >> 8;
  p[23] = ic & 255;
  return p;
}

export interface EchoPacket {
  readonly type: 0 | 8;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly id: number;
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly ttl: number;
}

/** The ICMP echo request or reply in an IPv4 packet, or null for anything else. */
export function parseEcho(p: Uint8Array): EchoPacket | null {
  if (p.length < 28 || p[0]! >> 4 !== 4 || p[9] !== 1) return null;
  const ihl = (p[0]! & 15) * 4;
  const total = (p[2]! << 8) | p[3]!;
  if (ihl < 20 || total > p.length || total < ihl + 8) return null;
  const type = p[ihl]!;
  if ((type !== 0 && type !== 8) || p[ihl + 1] !== 0) return null;
  return {
    type,
    src: p.slice(12, 16),
    dst: p.slice(16, 20),
    id: (p[ihl + 4]! << 8) | p[ihl + 5]!,
    seq: (p[ihl + 6]! << 8) | p[ihl + 7]!,
    payload: p.slice(ihl + 8, total),
    ttl: p[8]!,
  };
}

/** 4 bytes of an IPv4 address, or null. */
export function ipv4(text: string): Uint8Array | null {
  const b = parseIp(text);
  return b && b.length === 4 ? b : null;
}
