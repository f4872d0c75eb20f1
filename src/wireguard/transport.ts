/**
 * Transport data messages (whitepaper §5.4.6): a fresh ChaCha20-Poly1305 per packet under the session key, nonce
 * = 4 zero bytes ‖ 64-bit little-endian counter, empty associated data; plaintext zero-padded to a multiple of 16
 * (never beyond the MTU) and trimmed by the receiver to the inner IP packet's own length. A keepalive has an empty
 * plaintext (32 bytes on the wire).
 */
import { AEAD_TAG_SIZE, MESSAGE_TRANSPORT, PADDING_MULTIPLE, REJECT_AFTER_MESSAGES, TRANSPORT_HEADER_SIZE, TRANSPORT_MIN_SIZE } from './constants.js';
import type { CryptoBackend } from './crypto-backend.js';
import type { Keypair } from './keypair.js';
import { TRANSPORT, readU32, readU64Fast, writeU32, writeU64 } from './messages.js';

/** The 12-byte AEAD nonce of a counter: 4 zero bytes ‖ counter (little-endian). */
export function transportNonce(counter: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  writeU64(nonce, 4, counter);
  return nonce;
}

// Scratch buffers for the per-packet path: backends copy the nonce and header during the call (the
// CryptoBackend contract), so one of each serves every packet without an allocation.
const scratchNonce = new Uint8Array(12);
const scratchHeader = new Uint8Array(TRANSPORT_HEADER_SIZE);

/** The nonce of a transport message: 4 zero bytes ‖ its counter field, copied as is (into the scratch buffer). */
function nonceOf(message: Uint8Array): Uint8Array {
  const m = message, n = scratchNonce, o = TRANSPORT.counter;
  n[4] = m[o]!; n[5] = m[o + 1]!; n[6] = m[o + 2]!; n[7] = m[o + 3]!;
  n[8] = m[o + 4]!; n[9] = m[o + 5]!; n[10] = m[o + 6]!; n[11] = m[o + 7]!;
  return n;
}

/**
 * Length of a `length`-byte plaintext after padding to a multiple of 16, never past the MTU: a packet larger than
 * the MTU (segmentation offload) has only its last MTU-sized unit padded.
 */
export function paddedLength(length: number, mtu: number): number {
  let lastUnit = length;
  if (mtu > 0 && lastUnit > mtu) lastUnit %= mtu;
  let padded = (lastUnit + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (mtu > 0 && padded > mtu) padded = mtu;
  return length + (padded - lastUnit);
}

/**
 * Seal `plaintext` (an IP packet, or empty for a keepalive) as a transport message under the keypair's next counter.
 * Returns null, sending nothing, if the counter has reached REJECT_AFTER_MESSAGES.
 */
export function encryptTransport(backend: CryptoBackend, keypair: Keypair, plaintext: Uint8Array, mtu: number): Uint8Array | null {
  const padded = paddedLength(plaintext.length, mtu);
  const header = scratchHeader;
  // check the counter first: a nonce is never reused
  if (!keypair.takeCounter(header, TRANSPORT.counter)) return null;
  header[0] = MESSAGE_TRANSPORT;
  writeU32(header, TRANSPORT.receiver, keypair.remoteIndex);
  const nonce = nonceOf(header);
  if (backend.sealTransport) return backend.sealTransport(keypair.sendKey, nonce, header, plaintext, padded - plaintext.length);
  const out = new Uint8Array(TRANSPORT_HEADER_SIZE + padded + AEAD_TAG_SIZE);
  out.set(header, 0);
  // pad in place, then seal over it
  out.set(plaintext, TRANSPORT.payload);
  backend.seal(keypair.sendKey, nonce, out.subarray(TRANSPORT.payload, TRANSPORT.payload + padded), undefined, out, TRANSPORT.payload);
  return out;
}

/** The receiver index of a transport message (for the keypair lookup). */
export function transportReceiver(datagram: Uint8Array): number {
  return readU32(datagram, TRANSPORT.receiver);
}

/**
 * Open a transport message under `receiveKey`. Returns the counter (a number below 2^53, else a BigInt) and padded
 * plaintext, or null if the message is
 * too short or does not authenticate. The replay window is the caller's (only after this succeeds).
 */
export function decryptTransport(
  backend: CryptoBackend,
  receiveKey: Uint8Array,
  datagram: Uint8Array,
): { counter: number | bigint; plaintext: Uint8Array } | null {
  if (datagram.length < TRANSPORT_MIN_SIZE) return null;
  // a number below 2^53, else a BigInt
  const counter = readU64Fast(datagram, TRANSPORT.counter);
  if (typeof counter === 'bigint' && counter >= REJECT_AFTER_MESSAGES) return null;
  const plaintext = backend.open(receiveKey, nonceOf(datagram), datagram.subarray(TRANSPORT.payload), undefined);
  if (plaintext === null) return null;
  return { counter, plaintext };
}

/**
 * The length the inner IP packet claims (IPv4 total length, or IPv6 40 + payload length), or null if the bytes are
 * not an IP packet that fits in `plaintext`.
 */
export function innerPacketLength(plaintext: Uint8Array): number | null {
  if (plaintext.length < 1) return null;
  const version = plaintext[0]! >> 4;
  let length: number;
  if (version === 4 && plaintext.length >= 20) length = (plaintext[2]! << 8) | plaintext[3]!;
  else if (version === 6 && plaintext.length >= 40) length = 40 + ((plaintext[4]! << 8) | plaintext[5]!);
  else return null;
  if (length > plaintext.length || length < (version === 4 ? 20 : 40)) return null;
  return length;
}

/** The source address bytes of an IP packet (4 or 16), or null. */
export function innerSource(packet: Uint8Array): Uint8Array | null {
  const version = packet[0]! >> 4;
  if (version === 4 && packet.length >= 20) return packet.subarray(12, 16);
  if (version === 6 && packet.length >= 40) return packet.subarray(8, 24);
  return null;
}

/** The destination address bytes of an IP packet (4 or 16), or null. */
export function innerDestination(packet: Uint8Array): Uint8Array | null {
  if (packet.length < 1) return null;
  const version = packet[0]! >> 4;
  if (version === 4 && packet.length >= 20) return packet.subarray(16, 20);
  if (version === 6 && packet.length >= 40) return packet.subarray(24, 40);
  return null;
}
