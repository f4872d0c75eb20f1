/**
 * The Noise_IKpsk2 handshake (whitepaper §5.4.2–§5.4.4), as pure functions: every random or time-dependent input
 * (ephemeral private key, TAI64N timestamp, sender index) is a parameter, so known-answer tests reproduce bytes
 * exactly. Consume steps compute into locals and return null on any failure; the caller commits state only on
 * success. mac1 and mac2 are added and checked by cookie.ts.
 */
import { INITIATION_SIZE, MESSAGE_INITIATION, MESSAGE_RESPONSE, RESPONSE_SIZE } from './constants.js';
import type { CryptoBackend } from './crypto-backend.js';
import { INITIAL_CHAINING_KEY, INITIAL_HASH, kdf1, kdf2, kdf3, type HashBackend } from './kdf.js';
import type { PresharedKey, PrivateKey, PublicKey } from './keys.js';
import { INITIATION, RESPONSE, newMessage, readU32, writeU32 } from './messages.js';
import { TAI64N_SIZE } from './tai64n.js';

const ZERO_NONCE = new Uint8Array(12);
const EMPTY = new Uint8Array(0);

/** Erase intermediate secrets (DH results, chaining keys and keys replaced by the next step) once used. */
function wipe(...secrets: Uint8Array[]): void {
  for (const s of secrets) s.fill(0);
}

/** This side's static key pair. */
export interface StaticIdentity {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

/** What the initiator keeps between sending an initiation and consuming the response. */
export interface InitiatorHandshake {
  readonly chainingKey: Uint8Array;
  readonly hash: Uint8Array;
  readonly ephemeralPrivate: PrivateKey;
  readonly senderIndex: number;
}

/** Inputs of createInitiation. */
export interface CreateInitiationInput {
  readonly backend: CryptoBackend;
  readonly local: StaticIdentity;
  readonly remoteStatic: PublicKey;
  /** DH(S_i, Spub_r), computed once per peer. */
  readonly staticStatic: Uint8Array;
  readonly ephemeralPrivate: PrivateKey;
  /** 12-byte TAI64N. */
  readonly timestamp: Uint8Array;
  readonly senderIndex: number;
}

/**
 * Build a handshake initiation (148 bytes; mac1 and mac2 left zero). Returns null if a DH result is zero.
 * @throws {RangeError} if the timestamp is not 12 bytes.
 */
export function createInitiation(input: CreateInitiationInput): { message: Uint8Array; state: InitiatorHandshake } | null {
  const { backend, local, remoteStatic, staticStatic, ephemeralPrivate, timestamp, senderIndex } = input;
  if (timestamp.length !== TAI64N_SIZE) throw new RangeError(`createInitiation: timestamp must be 12 bytes`);
  const msg = newMessage(MESSAGE_INITIATION, INITIATION_SIZE);
  writeU32(msg, INITIATION.sender, senderIndex);
  // h = HASH(H0 ‖ Spub_r), c = C0
  let c = INITIAL_CHAINING_KEY;
  let h = backend.hash(INITIAL_HASH, remoteStatic);
  // ephemeral
  const ephemeralPublic = backend.x25519Base(ephemeralPrivate);
  msg.set(ephemeralPublic, INITIATION.ephemeral);
  const c1 = kdf1(c, ephemeralPublic, backend);
  h = backend.hash(h, ephemeralPublic);
  // encrypt static
  const es = backend.x25519(ephemeralPrivate, remoteStatic);
  if (es === null) return null;
  let k: Uint8Array;
  [c, k] = kdf2(c1, es, backend);
  wipe(c1, es);
  backend.seal(k, ZERO_NONCE, local.publicKey, h, msg, INITIATION.static);
  h = backend.hash(h, msg.subarray(INITIATION.static, INITIATION.timestamp));
  // encrypt timestamp
  const [c2, k2] = kdf2(c, staticStatic, backend);
  wipe(c, k);
  [c, k] = [c2, k2];
  backend.seal(k, ZERO_NONCE, timestamp, h, msg, INITIATION.timestamp);
  h = backend.hash(h, msg.subarray(INITIATION.timestamp, INITIATION.mac1));
  k.fill(0);
  return { message: msg, state: { chainingKey: c, hash: h, ephemeralPrivate, senderIndex } };
}

/** The result of consuming an initiation: the peer it came from and the state to answer it with. */
export interface ConsumedInitiation<P> {
  readonly peer: P;
  readonly remoteStatic: Uint8Array;
  readonly remoteEphemeral: Uint8Array;
  readonly remoteIndex: number;
  readonly timestamp: Uint8Array;
  readonly chainingKey: Uint8Array;
  readonly hash: Uint8Array;
}

/** Inputs of consumeInitiation. */
export interface ConsumeInitiationInput<P> {
  readonly backend: CryptoBackend;
  readonly local: StaticIdentity;
  /** Find the peer with this static public key and its precomputed DH(S_r, Spub_i); undefined if unknown. */
  readonly lookup: (remoteStatic: Uint8Array) => { peer: P; staticStatic: Uint8Array } | undefined;
}

/**
 * Decrypt and authenticate an initiation (mac1 must already have been checked). Returns null if it does not
 * authenticate or comes from an unknown peer. Replay and flood checks on the timestamp are the caller's.
 */
export function consumeInitiation<P>(msg: Uint8Array, input: ConsumeInitiationInput<P>): ConsumedInitiation<P> | null {
  if (msg.length !== INITIATION_SIZE || msg[0] !== MESSAGE_INITIATION) return null;
  const { backend, local } = input;
  let c = INITIAL_CHAINING_KEY;
  let h = backend.hash(INITIAL_HASH, local.publicKey);
  const remoteEphemeral = msg.slice(INITIATION.ephemeral, INITIATION.static);
  const c1 = kdf1(c, remoteEphemeral, backend);
  h = backend.hash(h, remoteEphemeral);
  // decrypt static
  const es = backend.x25519(local.privateKey, remoteEphemeral);
  if (es === null) {
    wipe(c1);
    return null;
  }
  let k: Uint8Array;
  [c, k] = kdf2(c1, es, backend);
  wipe(c1, es);
  const encryptedStatic = msg.subarray(INITIATION.static, INITIATION.timestamp);
  const remoteStatic = backend.open(k, ZERO_NONCE, encryptedStatic, h);
  if (remoteStatic === null) {
    wipe(c, k);
    return null;
  }
  h = backend.hash(h, encryptedStatic);
  // lookup peer
  const found = input.lookup(remoteStatic);
  if (found === undefined) {
    wipe(c, k);
    return null;
  }
  // decrypt timestamp
  const [c2, k2] = kdf2(c, found.staticStatic, backend);
  wipe(c, k);
  [c, k] = [c2, k2];
  const encryptedTimestamp = msg.subarray(INITIATION.timestamp, INITIATION.mac1);
  const timestamp = backend.open(k, ZERO_NONCE, encryptedTimestamp, h);
  k.fill(0);
  if (timestamp === null) {
    wipe(c);
    return null;
  }
  h = backend.hash(h, encryptedTimestamp);
  return {
    peer: found.peer,
    remoteStatic,
    remoteEphemeral,
    remoteIndex: readU32(msg, INITIATION.sender),
    timestamp,
    chainingKey: c,
    hash: h,
  };
}

/** Inputs of createResponse. */
export interface CreateResponseInput {
  readonly backend: CryptoBackend;
  readonly consumed: Pick<ConsumedInitiation<unknown>, 'chainingKey' | 'hash' | 'remoteEphemeral' | 'remoteStatic' | 'remoteIndex'>;
  readonly presharedKey: PresharedKey;
  readonly ephemeralPrivate: PrivateKey;
  readonly senderIndex: number;
}

/**
 * Build a handshake response (92 bytes; mac1 and mac2 left zero) and the chaining key the transport keys derive
 * from. Returns null if a DH result is zero.
 */
export function createResponse(input: CreateResponseInput): { message: Uint8Array; chainingKey: Uint8Array; hash: Uint8Array } | null {
  const { backend, consumed, presharedKey, ephemeralPrivate, senderIndex } = input;
  const msg = newMessage(MESSAGE_RESPONSE, RESPONSE_SIZE);
  writeU32(msg, RESPONSE.sender, senderIndex);
  writeU32(msg, RESPONSE.receiver, consumed.remoteIndex);
  let c = consumed.chainingKey;
  let h = consumed.hash;
  // ephemeral
  const ephemeralPublic = backend.x25519Base(ephemeralPrivate);
  msg.set(ephemeralPublic, RESPONSE.ephemeral);
  h = backend.hash(h, ephemeralPublic);
  const c1 = kdf1(c, ephemeralPublic, backend);
  // ee, se
  const c2 = mixDh(backend, c1, ephemeralPrivate, consumed.remoteEphemeral);
  if (c2 === null) return null;
  const c3 = mixDh(backend, c2, ephemeralPrivate, consumed.remoteStatic);
  if (c3 === null) return null;
  // add preshared key
  const [c4, tau, k] = kdf3(c3, presharedKey, backend);
  wipe(c3);
  c = c4;
  h = backend.hash(h, tau);
  // encrypt nothing
  backend.seal(k, ZERO_NONCE, EMPTY, h, msg, RESPONSE.empty);
  h = backend.hash(h, msg.subarray(RESPONSE.empty, RESPONSE.mac1));
  k.fill(0);
  tau.fill(0);
  return { message: msg, chainingKey: c, hash: h };
}

/** ee, se (response): the chaining key after KDF1(c, DH(priv, pub)); c and the DH result are wiped. Null, with c
 * wiped, when the DH gives the all-zero result of a low-order point. */
function mixDh(backend: CryptoBackend, c: Uint8Array, priv: Uint8Array, pub: Uint8Array): Uint8Array | null {
  const dh = backend.x25519(priv, pub);
  if (dh === null) {
    wipe(c);
    return null;
  }
  const next = kdf1(c, dh, backend);
  wipe(c, dh);
  return next;
}

/** Inputs of consumeResponse. */
export interface ConsumeResponseInput {
  readonly backend: CryptoBackend;
  readonly local: StaticIdentity;
  readonly state: InitiatorHandshake;
  readonly presharedKey: PresharedKey;
}

/**
 * Authenticate a response to our initiation (mac1 checked, receiver index matched by the caller). Returns the chaining
 * key to derive transport keys from and the responder's index, or null if it does not authenticate.
 */
export function consumeResponse(
  msg: Uint8Array,
  input: ConsumeResponseInput,
): { chainingKey: Uint8Array; hash: Uint8Array; remoteIndex: number } | null {
  if (msg.length !== RESPONSE_SIZE || msg[0] !== MESSAGE_RESPONSE) return null;
  const { backend, local, state, presharedKey } = input;
  let c = state.chainingKey;
  let h = state.hash;
  const remoteEphemeral = msg.subarray(RESPONSE.ephemeral, RESPONSE.empty);
  h = backend.hash(h, remoteEphemeral);
  const c1 = kdf1(c, remoteEphemeral, backend);
  const c2 = mixDh(backend, c1, state.ephemeralPrivate, remoteEphemeral);
  if (c2 === null) return null;
  const c3 = mixDh(backend, c2, local.privateKey, remoteEphemeral);
  if (c3 === null) return null;
  // add preshared key
  const [c4, tau, k] = kdf3(c3, presharedKey, backend);
  wipe(c3);
  c = c4;
  h = backend.hash(h, tau);
  // authenticate transcript
  const empty = msg.subarray(RESPONSE.empty, RESPONSE.mac1);
  const ok = backend.open(k, ZERO_NONCE, empty, h);
  wipe(k, tau);
  if (ok === null) {
    wipe(c);
    return null;
  }
  h = backend.hash(h, empty);
  return { chainingKey: c, hash: h, remoteIndex: readU32(msg, RESPONSE.sender) };
}

/**
 * The transport keys from the final chaining key (whitepaper §5.4.5): (T_send_i, T_recv_i) = KDF2(C, ε); the
 * responder's are swapped.
 */
export function deriveTransportKeys(
  chainingKey: Uint8Array,
  isInitiator: boolean,
  backend?: HashBackend,
): { sendKey: Uint8Array; receiveKey: Uint8Array } {
  const [t1, t2] = kdf2(chainingKey, EMPTY, backend);
  return isInitiator ? { sendKey: t1, receiveKey: t2 } : { sendKey: t2, receiveKey: t1 };
}


