/** IPv4 addresses as unsigned 32-bit numbers, and CIDRs. Pure. */

export interface Cidr {
  /** Network address (host bits zero). */
  readonly base: number;
  readonly bits: number;
}

/**
 * Parse dotted-quad IPv4.
 * @throws RangeError when `text` is not an IPv4 address.
 */
export function parseIPv4(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an IPv4 address`);
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i]!.length > 1 && m[i]![0] === '0')) throw new RangeError(`'${text}' is not an IPv4 address`);
    v = v * 256 + octet;
  }
  return v;
}

export function isIPv4(text: string): boolean {
  try {
    parseIPv4(text);
    return true;
  } catch {
    return false;
  }
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
