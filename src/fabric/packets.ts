/**
 * IPv4 packets as they cross the simulated wire (RFC 791 header with its checksum; RFC 793 TCP, RFC 768 UDP,
 * RFC 792 ICMP echo), built into fresh buffers and parsed back. Addresses are unsigned 32-bit numbers (net/ip.ts
 * converts them from and to text). Pure: no I/O. Packets are carved from shared blocks (net/bytes.ts): they
 * are in flight for one flow.
 */
import { newBytes } from '../net/bytes.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const IPV4_HEADER_SIZE = 20;
export const UDP_HEADER_SIZE = 8;
/** TCP header with the SYN options we send: MSS (4), SACK permitted (2), window scale (3) + NOP (1), i.e. 10 + 2 pad. */
export const TCP_SYN_HEADER_SIZE = 32;
export const ICMP_ECHO_HEADER_SIZE = 8;
export const DEFAULT_TTL = 64;

export type L4Protocol = 'TCP' | 'UDP' | 'ICMP';

const PROTO_NUMBER: Readonly<Record<L4Protocol, number>> = { TCP: IPPROTO_TCP, UDP: IPPROTO_UDP, ICMP: IPPROTO_ICMP };

/** One's-complement sum of 16-bit big-endian words of bytes[start, end), folded into 16 bits (not inverted). */
function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (RFC 1071) of bytes[start, end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return ~sum16(bytes, start, end, initial) & 0xffff;
}

function pseudoHeaderSum(src: number, dst: number, proto: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
}

function writeU16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 24) & 0xff;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

export function readU16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

export function readU32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Write a 20-byte IPv4 header (no options, DF set) at the start of `b` and fill its checksum. */
function writeIpv4Header(b: Uint8Array, src: number, dst: number, proto: number, totalLength: number, id: number, ttl: number): void {
  b[0] = 0x45; // version 4, IHL 5
  b[1] = 0; // DSCP/ECN
  writeU16(b, 2, totalLength);
  writeU16(b, 4, id & 0xffff);
  writeU16(b, 6, 0x4000); // don't fragment
  b[8] = ttl;
  b[9] = proto;
  writeU16(b, 10, 0);
  writeU32(b, 12, src);
  writeU32(b, 16, dst);
  writeU16(b, 10, internetChecksum(b, 0, IPV4_HEADER_SIZE));
}

export interface InnerPacketSpec {
  readonly protocol: L4Protocol;
  readonly src: number;
  readonly dst: number;
  /** TCP/UDP source port; ICMP: the echo identifier. */
  readonly srcPort: number;
  /** TCP/UDP destination port; ignored for ICMP. */
  readonly dstPort: number;
  /** IP identification; ICMP: also the echo sequence number. */
  readonly id: number;
  /** TCP: initial sequence number. */
  readonly seq?: number;
  /** UDP/ICMP payload bytes (default: 16 bytes of a fixed pattern). */
  readonly payload?: Uint8Array;
  readonly ttl?: number;
}

const DEFAULT_PAYLOAD = new TextEncoder().encode('aks-wg probe 001');

/**
 * Build one IPv4 packet: a TCP SYN with MSS/SACK-permitted/window-scale options, a UDP datagram or an ICMP echo
 * request, with correct IP, TCP/UDP and ICMP checksums.
 * @throws {RangeError} if a port is not in 0..65535 or the packet would exceed 65535 bytes.
 */
export function buildPacket(spec: InnerPacketSpec): Uint8Array {
  const ttl = spec.ttl ?? DEFAULT_TTL;
  if (spec.protocol !== 'ICMP') {
    if (!(spec.dstPort >= 0 && spec.dstPort <= 0xffff) || !(spec.srcPort >= 0 && spec.srcPort <= 0xffff)) {
      throw new RangeError(`buildPacket: ports must be in 0..65535, got ${spec.srcPort} → ${spec.dstPort}`);
    }
  }
  const proto = PROTO_NUMBER[spec.protocol];
  if (spec.protocol === 'TCP') {
    const total = IPV4_HEADER_SIZE + TCP_SYN_HEADER_SIZE;
    const b = newBytes(total);
    writeIpv4Header(b, spec.src, spec.dst, proto, total, spec.id, ttl);
    const t = IPV4_HEADER_SIZE;
    writeU16(b, t, spec.srcPort);
    writeU16(b, t + 2, spec.dstPort);
    writeU32(b, t + 4, (spec.seq ?? 0) >>> 0);
    writeU32(b, t + 8, 0); // ack
    b[t + 12] = (TCP_SYN_HEADER_SIZE / 4) << 4; // data offset
    b[t + 13] = 0x02; // SYN
    writeU16(b, t + 14, 64240); // window
    // options: MSS 1460, SACK permitted, NOP, window scale 7, then NOP padding to the 32-bit boundary
    b.set([2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1], t + 20);
    const sum = pseudoHeaderSum(spec.src, spec.dst, proto, TCP_SYN_HEADER_SIZE);
    writeU16(b, t + 16, internetChecksum(b, t, total, sum));
    return b;
  }
  const payload = spec.payload ?? DEFAULT_PAYLOAD;
  if (spec.protocol === 'UDP') {
    const udpLength = UDP_HEADER_SIZE + payload.length;
    const total = IPV4_HEADER_SIZE + udpLength;
    if (total > 0xffff) throw new RangeError(`buildPacket: packet of ${total} bytes exceeds 65535`);
    const b = newBytes(total);
    writeIpv4Header(b, spec.src, spec.dst, proto, total, spec.id, ttl);
    fillUdp(b, IPV4_HEADER_SIZE, spec.src, spec.dst, spec.srcPort, spec.dstPort, payload);
    return b;
  }
  const total = IPV4_HEADER_SIZE + ICMP_ECHO_HEADER_SIZE + payload.length;
  if (total > 0xffff) throw new RangeError(`buildPacket: packet of ${total} bytes exceeds 65535`);
  const b = newBytes(total);
  writeIpv4Header(b, spec.src, spec.dst, proto, total, spec.id, ttl);
  const c = IPV4_HEADER_SIZE;
  b[c] = 8; // echo request
  b[c + 1] = 0;
  writeU16(b, c + 4, spec.srcPort & 0xffff); // identifier
  writeU16(b, c + 6, spec.id & 0xffff); // sequence
  b.set(payload, c + ICMP_ECHO_HEADER_SIZE);
  writeU16(b, c + 2, internetChecksum(b, c, total));
  return b;
}

function fillUdp(b: Uint8Array, u: number, src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array): void {
  const udpLength = UDP_HEADER_SIZE + payload.length;
  writeU16(b, u, srcPort);
  writeU16(b, u + 2, dstPort);
  writeU16(b, u + 4, udpLength);
  writeU16(b, u + 6, 0);
  b.set(payload, u + UDP_HEADER_SIZE);
  const sum = internetChecksum(b, u, u + udpLength, pseudoHeaderSum(src, dst, IPPROTO_UDP, udpLength));
  // RFC 768: a computed zero is sent as all ones
  writeU16(b, u + 6, sum === 0 ? 0xffff : sum);
}

/**
 * Wrap a UDP payload (a WireGuard message) in IPv4 + UDP, as the node's kernel sends cilium_wg0's output on eth0.
 * @throws {RangeError} if the result would exceed 65535 bytes.
 */
export function buildUdpDatagram(src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array, id: number): Uint8Array {
  const total = IPV4_HEADER_SIZE + UDP_HEADER_SIZE + payload.length;
  if (total > 0xffff) throw new RangeError(`buildUdpDatagram: packet of ${total} bytes exceeds 65535`);
  const b = newBytes(total);
  writeIpv4Header(b, src, dst, IPPROTO_UDP, total, id, DEFAULT_TTL);
  fillUdp(b, IPV4_HEADER_SIZE, src, dst, srcPort, dstPort, payload);
  return b;
}

/** What parsePacket reads from an IPv4 packet. */
export interface ParsedPacket {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly totalLength: number;
  readonly id: number;
  readonly ttl: number;
  readonly headerChecksumOk: boolean;
  /** TCP/UDP ports; ICMP: srcPort is the echo identifier, dstPort 0. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** TCP flags byte, ICMP type; 0 otherwise. */
  readonly flags: number;
  /** Transport checksum verified against the pseudo-header (ICMP: over the message). */
  readonly l4ChecksumOk: boolean;
  /** The L4 payload (UDP data, ICMP echo data, TCP data after options). */
  readonly payload: Uint8Array;
}

/** Parse an IPv4 packet; null if it is not one (wrong version, short, lengths inconsistent). */
export function parsePacket(b: Uint8Array): ParsedPacket | null {
  if (b.length < IPV4_HEADER_SIZE || b[0]! >> 4 !== 4) return null;
  const ihl = (b[0]! & 0x0f) * 4;
  const totalLength = readU16(b, 2);
  if (ihl < IPV4_HEADER_SIZE || totalLength < ihl || totalLength > b.length) return null;
  const protocol = b[9]!;
  const src = readU32(b, 12);
  const dst = readU32(b, 16);
  const headerChecksumOk = sum16(b, 0, ihl) === 0xffff;
  let srcPort = 0;
  let dstPort = 0;
  let flags = 0;
  let l4ChecksumOk = false;
  let payload = b.subarray(ihl, totalLength);
  const l4Length = totalLength - ihl;
  if (protocol === IPPROTO_TCP && l4Length >= 20) {
    srcPort = readU16(b, ihl);
    dstPort = readU16(b, ihl + 2);
    flags = b[ihl + 13]!;
    const off = (b[ihl + 12]! >> 4) * 4;
    l4ChecksumOk = sum16(b, ihl, totalLength, pseudoHeaderSum(src, dst, protocol, l4Length)) === 0xffff;
    payload = b.subarray(Math.min(ihl + off, totalLength), totalLength);
  } else if (protocol === IPPROTO_UDP && l4Length >= UDP_HEADER_SIZE) {
    srcPort = readU16(b, ihl);
    dstPort = readU16(b, ihl + 2);
    const udpLength = readU16(b, ihl + 4);
    if (udpLength < UDP_HEADER_SIZE || udpLength > l4Length) return null;
    l4ChecksumOk = readU16(b, ihl + 6) === 0 || sum16(b, ihl, ihl + udpLength, pseudoHeaderSum(src, dst, protocol, udpLength)) === 0xffff;
    payload = b.subarray(ihl + UDP_HEADER_SIZE, ihl + udpLength);
  } else if (protocol === IPPROTO_ICMP && l4Length >= ICMP_ECHO_HEADER_SIZE) {
    flags = b[ihl]!;
    srcPort = readU16(b, ihl + 4);
    l4ChecksumOk = sum16(b, ihl, totalLength) === 0xffff;
    payload = b.subarray(ihl + ICMP_ECHO_HEADER_SIZE, totalLength);
  }
  return { src, dst, protocol, totalLength, id: readU16(b, 4), ttl: b[8]!, headerChecksumOk, srcPort, dstPort, flags, l4ChecksumOk, payload };
}

/** The protocol name of an IP protocol number, or its number as text. */
export function protocolName(n: number): string {
  return n === IPPROTO_TCP ? 'TCP' : n === IPPROTO_UDP ? 'UDP' : n === IPPROTO_ICMP ? 'ICMP' : String(n);
}
