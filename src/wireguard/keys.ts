/**
 * Curve25519 keys as WireGuard writes them (wg(8) genkey/pubkey/genpsk): 32 bytes, base64 in exactly 44 characters.
 * Keys are branded Uint8Arrays so a public key cannot be passed where a private key belongs. A key's bytes never
 * appear in an error message.
 */
import type { Rng } from '../platform/types.js';
import { KEY_SIZE } from './constants.js';
import { nobleBackend, type CryptoBackend } from './crypto-backend.js';

declare const privateKeyBrand: unique symbol;
declare const publicKeyBrand: unique symbol;
declare const presharedKeyBrand: unique symbol;

/** A clamped X25519 private key (32 bytes). */
export type PrivateKey = Uint8Array & { readonly [privateKeyBrand]: true };
/** An X25519 public key (32 bytes). */
export type PublicKey = Uint8Array & { readonly [publicKeyBrand]: true };
/** A 32-byte symmetric preshared key (all zero when none is configured). */
export type PresharedKey = Uint8Array & { readonly [presharedKeyBrand]: true };

/** Thrown for a key that cannot be parsed or used; the message never contains key material. */
export class KeyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFormatError';
  }
}

function assertKeyLength(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected Uint8Array`);
  if (bytes.length !== KEY_SIZE) throw new RangeError(`${what}: expected ${KEY_SIZE} bytes, got ${bytes.length}`);
}

/** Clamp 32 random bytes into an X25519 private key (RFC 7748 §5): k[0] &= 248; k[31] = (k[31] & 127) | 64. */
export function clampPrivateKey(bytes: Uint8Array): PrivateKey {
  assertKeyLength(bytes, 'clampPrivateKey');
  const k = Uint8Array.from(bytes);
  k[0]! &= 248;
  k[31] = (k[31]! & 127) | 64;
  return k as PrivateKey;
}

/** A new private key from `rng` (`wg genkey`). */
export function generatePrivateKey(rng: Rng): PrivateKey {
  return clampPrivateKey(rng.bytes(KEY_SIZE));
}

/** A new preshared key from `rng` (`wg genpsk`). */
export function generatePresharedKey(rng: Rng): PresharedKey {
  const k = rng.bytes(KEY_SIZE);
  assertKeyLength(k, 'generatePresharedKey');
  return Uint8Array.from(k) as PresharedKey;
}

/** The all-zero preshared key used when none is configured. */
export function zeroPresharedKey(): PresharedKey {
  return new Uint8Array(KEY_SIZE) as PresharedKey;
}

/** The public key of a private key (`wg pubkey`). @throws {RangeError} if the key is not 32 bytes. */
export function publicKeyFromPrivate(privateKey: PrivateKey, backend: CryptoBackend = nobleBackend): PublicKey {
  assertKeyLength(privateKey, 'publicKeyFromPrivate');
  return backend.x25519Base(privateKey) as PublicKey;
}

/**
 * Curve25519 points of small order, canonical and non-canonical encodings (u = 0, 1, p−1, the two order-8 points,
 * and p, p+1, …). A DH with any of them yields zero; WireGuard refuses them as peers' keys.
 */
const LOW_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from({ length: KEY_SIZE }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)));

/** True for a public key of small order (its shared secret with anyone is zero). */
export function isLowOrderPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== KEY_SIZE) return false;
  // the top bit is ignored by X25519, so compare with it cleared
  return LOW_ORDER_POINTS.some((point) => {
    let diff = (publicKey[KEY_SIZE - 1]! & 0x7f) ^ point[KEY_SIZE - 1]!;
    for (let i = 0; i < KEY_SIZE - 1; i++) diff |= publicKey[i]! ^ point[i]!;
    return diff === 0;
  });
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const ALPHABET_CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 0x3d;
/** Character codes of the base64 being built (grown as needed), turned into a string in one call. */
let base64Codes = new Uint16Array(1024);

/** Standard base64 (with padding) of any bytes. */
export function toBase64(bytes: Uint8Array): string {
  const n = Math.ceil(bytes.length / 3) * 4;
  if (n > base64Codes.length) base64Codes = new Uint16Array(n);
  const out = base64Codes;
  let o = 0;
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET_CODES[v >> 18]!;
    out[o++] = ALPHABET_CODES[(v >> 12) & 63]!;
    out[o++] = ALPHABET_CODES[(v >> 6) & 63]!;
    out[o++] = ALPHABET_CODES[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const v = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[o++] = ALPHABET_CODES[v >> 18]!;
    out[o++] = ALPHABET_CODES[(v >> 12) & 63]!;
    out[o++] = rest === 2 ? ALPHABET_CODES[(v >> 6) & 63]! : PAD;
    out[o++] = PAD;
  }
  // in chunks: apply() passes each code as an argument
  let text = '';
  for (let at = 0; at < o; at += 8192) text += String.fromCharCode.apply(null, out.subarray(at, Math.min(o, at + 8192)) as unknown as number[]);
  return text;
}

/**
 * Bytes of standard base64 with padding (the inverse of toBase64): in `into` when it has room (a view of its start,
 * valid until the caller reuses it), else in a new array.
 * @throws {RangeError} if the length is not a multiple of 4, a character is not base64, or padding is misplaced.
 */
export function fromBase64(text: string, into?: Uint8Array): Uint8Array {
  if (text.length % 4 !== 0) throw new RangeError('fromBase64: length is not a multiple of 4');
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const length = (text.length / 4) * 3 - pad;
  const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = base64Value(text, i), b = base64Value(text, i + 1);
    const c = last && pad === 2 ? 0 : base64Value(text, i + 2);
    const d = last && pad >= 1 ? 0 : base64Value(text, i + 3);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < length) out[o++] = (v >> 8) & 255;
    if (o < length) out[o++] = v & 255;
  }
  return out;
}

function base64Value(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? DECODE[code]! : -1;
  if (v < 0) throw new RangeError('fromBase64: not a base64 character');
  return v;
}

/** base64 of a key (44 characters). */
export function encodeKey(key: PrivateKey | PublicKey | PresharedKey): string {
  assertKeyLength(key, 'encodeKey');
  return toBase64(key);
}

/**
 * Strictly decode a 44-character base64 key into 32 bytes, as wg(8) does: exactly 44 characters, the last one `=`,
 * only base64 characters, and the unused low bits of the 43rd character zero.
 * @throws {KeyFormatError} on any deviation (the message does not echo the input).
 */
export function decodeKey(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length !== 44 || text[43] !== '=') {
    throw new KeyFormatError('Key is not the correct length or format');
  }
  const out = new Uint8Array(KEY_SIZE);
  let o = 0;
  for (let i = 0; i < 40; i += 4) {
    const a = sextet(text, i), b = sextet(text, i + 1), c = sextet(text, i + 2), d = sextet(text, i + 3);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  const a = sextet(text, 40), b = sextet(text, 41), c = sextet(text, 42);
  if ((c & 3) !== 0) throw new KeyFormatError('Key is not the correct length or format');
  const v = (a << 18) | (b << 12) | (c << 6);
  out[o++] = v >> 16;
  out[o++] = (v >> 8) & 255;
  return out;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? DECODE[code]! : -1;
  if (v < 0) throw new KeyFormatError('Key is not the correct length or format');
  return v;
}

/**
 * Parse a base64 private key; it is clamped as X25519 would use it.
 * @throws {KeyFormatError} if the text is not a valid 44-character key.
 */
export function parsePrivateKey(text: string): PrivateKey {
  return clampPrivateKey(decodeKey(text));
}

/**
 * Parse a base64 public key.
 * @param options.rejectLowOrder refuse small-order points (default true, as for a peer's key)
 * @throws {KeyFormatError} if the text is not a valid key, or names a low-order point.
 */
export function parsePublicKey(text: string, options: { rejectLowOrder?: boolean } = {}): PublicKey {
  const k = decodeKey(text);
  if ((options.rejectLowOrder ?? true) && isLowOrderPublicKey(k)) {
    throw new KeyFormatError('Public key is a low-order point');
  }
  return k as PublicKey;
}

/** Parse a base64 preshared key. @throws {KeyFormatError} if the text is not a valid key. */
export function parsePresharedKey(text: string): PresharedKey {
  return decodeKey(text) as PresharedKey;
}

/** Wrap 32 raw bytes as a public key (copy). @throws {RangeError} if not 32 bytes. */
export function publicKeyFromBytes(bytes: Uint8Array): PublicKey {
  assertKeyLength(bytes, 'publicKeyFromBytes');
  return Uint8Array.from(bytes) as PublicKey;
}

/** Wrap 32 raw bytes as a private key, clamping them. @throws {RangeError} if not 32 bytes. */
export function privateKeyFromBytes(bytes: Uint8Array): PrivateKey {
  return clampPrivateKey(bytes);
}

/** Wrap 32 raw bytes as a preshared key (copy). @throws {RangeError} if not 32 bytes. */
export function presharedKeyFromBytes(bytes: Uint8Array): PresharedKey {
  assertKeyLength(bytes, 'presharedKeyFromBytes');
  return Uint8Array.from(bytes) as PresharedKey;
}

// byte → two lower-case hex digits, and a character code → its hex value (−1: not a hex digit). Saved sessions hold
// every key and replay bitmap in hex, and a fabric run restores and saves thousands of them.
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

/** Bytes of a hex string. @throws {RangeError} on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError('fromHex: not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = hex.charCodeAt(2 * i), b = hex.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1, lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) throw new RangeError('fromHex: not a hex string');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Constant-time equality of two byte strings of the same length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]! ^ b[i]!;
  return acc === 0;
}

/**
 * Make fields holding secrets non-enumerable, so that logging, JSON.stringify or a test failure printing the object
 * never shows them. The fields stay readable and writable.
 */
export function hideSecretFields(target: object, ...names: string[]): void {
  for (const name of names) Object.defineProperty(target, name, { enumerable: false });
}
