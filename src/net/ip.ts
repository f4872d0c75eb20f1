/**
 * The one IP module. Two forms, each where it pays: IPv4 addresses as unsigned 32-bit numbers and CIDRs over them
 * (the cluster model, the fabric, Hubble), and addresses as bytes (4 or 16) with prefixes over them (WireGuard's
 * AllowedIPs, IPv6 included). One scanner reads dotted quads for both. Pure.
 */

export interface Cidr {
  /** Network address (host bits zero). */
  readonly base: number;
  readonly bits: number;
}

/**
 * Dotted-quad IPv4 as an unsigned 32-bit number by character arithmetic (no allocation), or NaN for anything else:
 * four parts, each 0 or a number without leading zeros up to 255.
 */
export function ipv4Number(text: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // the end closes the last part like a dot
    if (c === 0x2e) {
      if (digits === 0 || dots > 3) return NaN;
      v = v * 256 + part;
      dots++;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 0x30 || c > 0x39) return NaN;
    if (digits > 0 && part === 0) return NaN; // a leading zero
    if (++digits > 3) return NaN;
    part = part * 10 + (c - 0x30);
    if (part > 255) return NaN;
  }
  return dots === 4 ? v : NaN;
}

/**
 * Parse dotted-quad IPv4.
 * @throws RangeError when `text` is not an IPv4 address.
 */
export function parseIPv4(text: string): number {
  const v = ipv4Number(text);
  if (Number.isNaN(v)) throw new RangeError(`'${text}' is not an IPv4 address`);
  return v;
}

export function isIPv4(text: string): boolean {
  return !Number.isNaN(ipv4Number(text));
}

export function formatIPv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * Parse `a.b.c.d/n`; host bits must be zero unless `loose`.
 * @throws RangeError on malformed input.
 */
export function parseCidr(text: string, loose = false): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new RangeError(`'${text}' is not a CIDR (expected a.b.c.d/n)`);
  const base = parseIPv4(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) throw new RangeError(`'${text}' is not a CIDR (prefix length 0-32)`);
  const bits = Number(bitsText);
  const masked = maskOf(bits) & base;
  if (!loose && masked >>> 0 !== base) throw new RangeError(`'${text}' has host bits set (did you mean ${formatIPv4(masked >>> 0)}/${bits}?)`);
  return { base: masked >>> 0, bits };
}

export function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.bits}`;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.bits)) >>> 0) === c.base;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & maskOf(bits)) >>> 0) === ((b.base & maskOf(bits)) >>> 0);
}

// --- Addresses as bytes, and prefixes over them (IPv4 and IPv6) --------------------------------------------------

/** An IP prefix: address bytes (4 or 16) and prefix length. */
export interface Prefix {
  readonly address: Uint8Array;
  readonly bits: number;
}

/**
 * Parse a dotted-quad IPv4 or an RFC 4291 IPv6 address into 4 or 16 bytes; null if malformed.
 */
export function parseIp(text: string): Uint8Array | null {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4Bytes(text);
}

/** 4 bytes of a dotted-quad IPv4, or null. */
function parseIpv4Bytes(text: string): Uint8Array | null {
  const v = ipv4Number(text);
  if (Number.isNaN(v)) return null;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4Bytes(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  });
  return out;
}

/** Text of a 4- or 16-byte address (IPv6 in RFC 5952 short form). */
export function formatIp(address: Uint8Array): string {
  if (address.length === 4) return Array.from(address).join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((address[i]! << 8) | address[i + 1]!);
  // longest run of zero groups (length ≥ 2) becomes ::
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/**
 * Parse "a.b.c.d/n" or "x::y/n" (a bare address means a host route). The host bits are cleared, as wg does.
 * Returns null if malformed.
 */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.length * 8;
  let bits = max;
  if (slash >= 0) {
    bits = prefixLength(text, slash + 1);
    if (bits < 0 || bits > max) return null;
  }
  // a host prefix has no host bits to clear: the parsed bytes are already the answer
  return { address: bits === max ? address : maskAddress(address, bits), bits };
}

/** The decimal prefix length from `start` to the end of `text` ("0", or 1–3 digits without a leading zero); −1 if not. */
function prefixLength(text: string, start: number): number {
  const n = text.length - start;
  if (n < 1 || n > 3) return -1;
  let v = 0;
  for (let i = start; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9 || (d === 0 && i === start && n > 1)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Is `cidr` a well-formed prefix: 4 or 16 address bytes, a length in range, no host bits set? */
export function isCanonicalPrefix(cidr: Prefix): boolean {
  const n = cidr.address.length;
  if ((n !== 4 && n !== 16) || !Number.isInteger(cidr.bits) || cidr.bits < 0 || cidr.bits > n * 8) return false;
  for (let i = 0; i < n; i++) {
    const keep = Math.max(0, Math.min(8, cidr.bits - i * 8));
    if ((cidr.address[i]! & ~(0xff << (8 - keep)) & 0xff) !== 0) return false;
  }
  return true;
}

/** Text of a prefix: "10.0.0.0/24". */
export function formatPrefix(cidr: Prefix): string {
  return `${formatIp(cidr.address)}/${cidr.bits}`;
}

function maskAddress(address: Uint8Array, bits: number): Uint8Array {
  const out = Uint8Array.from(address);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}
