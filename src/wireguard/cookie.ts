/**
 * mac1, mac2 and cookie replies (whitepaper §5.4.4, §5.4.7): the DoS mitigation. A CookieChecker belongs to the
 * device (it verifies macs on received handshakes and, under load, answers with cookie replies); a CookieGenerator
 * belongs to each peer (it adds macs to handshakes we send and consumes the cookie replies we get).
 */
import type { Rng } from '../platform/types.js';
import {
  COOKIE_REPLY_SIZE,
  COOKIE_SECRET_LATENCY_MS,
  COOKIE_SECRET_MAX_AGE_MS,
  MESSAGE_COOKIE_REPLY,
} from './constants.js';
import type { CryptoBackend } from './crypto-backend.js';
import { blake2s256 } from './blake2s.js';
import { KeyedMac, label, mac } from './kdf.js';
import { equalBytes, hideSecretFields } from './keys.js';
import { COOKIE_REPLY, newMessage, writeU32 } from './messages.js';
import { LABEL_COOKIE, LABEL_MAC1 } from './constants.js';

const MAC_SIZE = 16;

/** The XChaCha20-Poly1305 a cookie reply is sealed with: the device's crypto backend. */
export type CookieAead = Pick<CryptoBackend, 'xseal' | 'xopen'>;

/** Offsets of mac1 and mac2 in a handshake message: the last 32 bytes. */
function macOffsets(msg: Uint8Array): { mac1: number; mac2: number } {
  return { mac1: msg.length - 2 * MAC_SIZE, mac2: msg.length - MAC_SIZE };
}

const MAC1_LABEL = label(LABEL_MAC1);
const COOKIE_LABEL = label(LABEL_COOKIE);

// Both keys go through the engine's tuned BLAKE2s (checked against @noble/hashes in test/wireguard/blake2s.test.ts):
// a fabric derives one per peer it sends a handshake to, and noble's constructor and label encoding per call cost
// about 3% of a cold 100,000-flow run.

/** HASH(LABEL_MAC1 ‖ Spub): the key of mac1 for messages to the holder of Spub. */
export function mac1Key(publicKey: Uint8Array): Uint8Array {
  return blake2s256(MAC1_LABEL, publicKey);
}

/** HASH(LABEL_COOKIE ‖ Spub): the key cookie replies from the holder of Spub are encrypted under. */
export function cookieKey(publicKey: Uint8Array): Uint8Array {
  return blake2s256(COOKIE_LABEL, publicKey);
}

/** The device's side: checks macs on incoming handshake messages and makes cookie replies. */
export class CookieChecker {
  private readonly mac1: KeyedMac;
  private readonly encryptionKey: Uint8Array;
  private secret: Uint8Array = new Uint8Array(32);
  private secretSetAt = -Infinity;

  /**
   * @param localPublic our static public key
   * @param aead seals the cookie replies
   */
  constructor(localPublic: Uint8Array, private readonly rng: Rng, private readonly aead: CookieAead) {
    this.mac1 = new KeyedMac(mac1Key(localPublic));
    this.encryptionKey = cookieKey(localPublic);
    hideSecretFields(this, 'secret', 'rng');
  }

  /** mac1 = MAC(HASH(LABEL_MAC1 ‖ Spub_local), msg[0 : mac1 offset]) is correct. */
  checkMac1(msg: Uint8Array): boolean {
    const mac1 = msg.length - 2 * MAC_SIZE;
    return this.mac1.verify(msg.subarray(0, mac1), msg, mac1);
  }

  /** mac2 = MAC(cookie(source), msg[0 : mac2 offset]) is correct for the current secret. */
  checkMac2(msg: Uint8Array, source: Uint8Array, now: number): boolean {
    if (now - this.secretSetAt > COOKIE_SECRET_MAX_AGE_MS) return false;
    const cookie = mac(this.secret, source);
    const { mac2 } = macOffsets(msg);
    return equalBytes(mac(cookie, msg.subarray(0, mac2)), msg.subarray(mac2, mac2 + MAC_SIZE));
  }

  /**
   * A cookie reply to `msg` (whose mac1 was valid) from `source` (address ‖ port bytes), to receiver `receiverIndex`.
   * The secret is rotated when older than 120 s.
   */
  createReply(msg: Uint8Array, receiverIndex: number, source: Uint8Array, now: number): Uint8Array {
    // rotate secret
    if (now - this.secretSetAt > COOKIE_SECRET_MAX_AGE_MS) {
      this.secret.fill(0);
      this.secret = this.rng.bytes(32);
      this.secretSetAt = now;
    }
    const cookie = mac(this.secret, source);
    const { mac1 } = macOffsets(msg);
    const reply = newMessage(MESSAGE_COOKIE_REPLY, COOKIE_REPLY_SIZE);
    writeU32(reply, COOKIE_REPLY.receiver, receiverIndex);
    const nonce = this.rng.bytes(24);
    reply.set(nonce, COOKIE_REPLY.nonce);
    // encrypt cookie with the answered mac1 as associated data
    const sealed = this.aead.xseal(this.encryptionKey, nonce, cookie, msg.subarray(mac1, mac1 + MAC_SIZE));
    reply.set(sealed, COOKIE_REPLY.cookie);
    cookie.fill(0);
    return reply;
  }
}

/** A peer's side: adds mac1/mac2 to the handshakes we send it and keeps the cookie it gave us. */
export class CookieGenerator {
  /**
   * HASH(LABEL_MAC1 ‖ Spub) and HASH(LABEL_COOKIE ‖ Spub), as the kernel precomputes per peer, but computed on first
   * use: a fabric creates thousands of peers that only carry transport data on restored sessions and never send a
   * handshake. A peer's public key never changes (a new key is a new peer), so neither needs invalidating.
   */
  private mac1Cache: KeyedMac | undefined;
  private decryptionKeyCache: Uint8Array | undefined;
  // a #private field: JSON and util.inspect never show it (cheaper per peer than hideSecretFields' defineProperty)
  #cookie: Uint8Array | null = null;
  private cookieSetAt = -Infinity;
  private lastMac1: Uint8Array | null = null;

  /**
   * @param remotePublic the peer's static public key (kept, not copied: the caller's key must not change)
   * @param aead opens the cookie replies
   */
  constructor(
    private readonly remotePublic: Uint8Array,
    private readonly aead: CookieAead,
  ) {}

  private get mac1(): KeyedMac {
    return (this.mac1Cache ??= new KeyedMac(mac1Key(this.remotePublic)));
  }

  private get decryptionKey(): Uint8Array {
    return (this.decryptionKeyCache ??= cookieKey(this.remotePublic));
  }

  /** Fill in mac1 and, if we hold a cookie younger than 120 − 5 s, mac2 (else 16 zero bytes). */
  addMacs(msg: Uint8Array, now: number): void {
    const { mac1, mac2 } = macOffsets(msg);
    this.mac1.macInto(msg.subarray(0, mac1), msg, mac1);
    this.lastMac1 = msg.slice(mac1, mac2);
    if (this.#cookie !== null && now - this.cookieSetAt < COOKIE_SECRET_MAX_AGE_MS - COOKIE_SECRET_LATENCY_MS) {
      msg.set(mac(this.#cookie, msg.subarray(0, mac2)), mac2);
    } else {
      msg.fill(0, mac2, mac2 + MAC_SIZE);
    }
  }

  /** Decrypt a cookie reply to the last handshake we sent; false (and no change) if it does not authenticate. */
  consumeReply(reply: Uint8Array, now: number): boolean {
    if (reply.length !== COOKIE_REPLY_SIZE || this.lastMac1 === null) return false;
    const nonce = reply.subarray(COOKIE_REPLY.nonce, COOKIE_REPLY.cookie);
    const cookie = this.aead.xopen(this.decryptionKey, nonce, reply.subarray(COOKIE_REPLY.cookie), this.lastMac1);
    if (cookie === null) return false;
    this.#cookie?.fill(0);
    this.#cookie = cookie;
    this.cookieSetAt = now;
    return true;
  }

  /** True while a usable cookie is held. */
  hasCookie(now: number): boolean {
    return this.#cookie !== null && now - this.cookieSetAt < COOKIE_SECRET_MAX_AGE_MS - COOKIE_SECRET_LATENCY_MS;
  }
}
