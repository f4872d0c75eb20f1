/**
 * A peer of a device (wireguard-go peer.go; kernel peer.c): its configuration (public key, preshared key, endpoint),
 * its sessions (previous, current and next keypair, whitepaper §6.1's rotation), its pending handshake, its staged
 * packets, counters and timers. What a peer needs of its device is the narrow PeerHost below, so this file does not
 * import device.ts.
 */
import type { Clock, Rng } from '../platform/types.js';
import { parseIp, type Prefix } from '../net/ip.js';
import { CookieGenerator, type CookieAead } from './cookie.js';
import type { InitiatorHandshake } from './handshake.js';
import type { IndexTable } from './index-table.js';
import type { Keypair } from './keypair.js';
import { encodeKey, type PresharedKey, type PublicKey } from './keys.js';
import { jitter, PeerTimers, type TimerName } from './timers.js';

/** A UDP address: IPv4/IPv6 text and port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** "address:port", with IPv6 in brackets. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Source address ‖ port (big-endian) bytes of an endpoint, the input of the cookie MAC; null if unparsable. */
export function endpointBytes(e: Endpoint): Uint8Array | null {
  const ip = parseIp(e.address);
  if (!ip) return null;
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (e.port >> 8) & 255;
  out[ip.length + 1] = e.port & 255;
  return out;
}

/** A session as seen from outside: indices and age, no keys. */
export interface SessionInfo {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly isInitiator: boolean;
  readonly ageMs: number;
  readonly sendCounter: bigint;
}

/** A peer's counters (`wg show` transfer and latest handshake). */
export interface PeerStats {
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Clock time (ms) of the latest completed handshake, or undefined. */
  readonly lastHandshakeAt: number | undefined;
  readonly currentSession: SessionInfo | undefined;
  readonly stagedPackets: number;
}

/** The handshake this side started: none, or an initiation sent and its state until the response. */
export type HandshakeState =
  | { readonly state: 'zeroed' }
  | { readonly state: 'initiation-sent'; readonly localIndex: number; readonly initiator: InitiatorHandshake };

/** What a peer needs of its device (Device implements it). */
export interface PeerHost {
  readonly clock: Clock;
  /** Seal and send `packet` to `peer`, or stage it and start a handshake. */
  sendToPeer(peer: Peer, packet: Uint8Array): void;
  allowedIpsOf(peer: Peer): Prefix[];
  /** A timer of `peer` was set to `at`. */
  scheduleTimer(peer: Peer, name: TimerName, at: number): void;
}

/** The device's session indices, naming peers. */
export type PeerIndexTable = IndexTable<Peer>;

/**
 * One peer of a device. Created by Device.addPeer. Its secrets (preshared key, static-static DH, handshake state) and
 * its device live in #private fields, behind accessors on the prototype: JSON, Object.keys, util.inspect and a test
 * failure printing a peer never show them (and, unlike non-enumerable own fields, they cost nothing per peer to hide).
 */
export class Peer {
  endpoint: Endpoint | undefined;
  /** Base64 of the public key, the peer's name. */
  readonly name: string;
  /** @internal */ readonly cookies: CookieGenerator;
  /** @internal */ readonly timers: PeerTimers;
  /** @internal */ previous: Keypair | undefined;
  /** @internal */ current: Keypair | undefined;
  /** @internal */ next: Keypair | undefined;
  /** @internal */ latestTimestamp: Uint8Array | undefined;
  /** @internal */ lastInitiationConsumedAt = -Infinity;
  /** @internal */ lastSentHandshakeAt = -Infinity;
  /** @internal */ staged: Uint8Array[] = [];
  rxBytes = 0;
  txBytes = 0;
  lastHandshakeAt: number | undefined;
  /** @internal */ removed = false;
  readonly #device: PeerHost;
  readonly #computeStaticStatic: (publicKey: PublicKey) => Uint8Array | null;
  #presharedKey: PresharedKey;
  /** DH(S_local, Spub_peer), computed on first use (so adding thousands of peers costs no X25519). */
  #ss: Uint8Array | null | undefined;
  #handshake: HandshakeState = { state: 'zeroed' };

  /** @internal */
  constructor(
    device: PeerHost,
    readonly publicKey: PublicKey,
    presharedKey: PresharedKey,
    computeStaticStatic: (publicKey: PublicKey) => Uint8Array | null,
    /** @internal */ readonly rng: Rng,
    aead: CookieAead,
  ) {
    this.#device = device;
    this.#computeStaticStatic = computeStaticStatic;
    this.#presharedKey = presharedKey;
    this.name = encodeKey(publicKey);
    this.cookies = new CookieGenerator(publicKey, aead);
    this.timers = new PeerTimers(() => jitter(rng), (name, at) => device.scheduleTimer(this, name, at));
  }

  get presharedKey(): PresharedKey {
    return this.#presharedKey;
  }

  set presharedKey(key: PresharedKey) {
    this.#presharedKey = key;
  }

  /** @internal */
  get handshake(): HandshakeState {
    return this.#handshake;
  }

  /** @internal */
  set handshake(state: HandshakeState) {
    this.#handshake = state;
  }

  /** @internal DH(S_local, Spub_peer), or null if it is zero (a low-order key: never for a key addPeer accepted). */
  get staticStatic(): Uint8Array | null {
    if (this.#ss === undefined) this.#ss = this.#computeStaticStatic(this.publicKey);
    return this.#ss;
  }

  /** Seal and send an inner IP packet to this peer (bypassing AllowedIPs routing). */
  send(packet: Uint8Array): void {
    this.#device.sendToPeer(this, packet);
  }

  /** This peer's AllowedIPs, as prefixes. */
  get allowedIps(): Prefix[] {
    return this.#device.allowedIpsOf(this);
  }

  /** Counters and the current session. */
  stats(): PeerStats {
    const now = this.#device.clock.now();
    const kp = this.current;
    return {
      rxBytes: this.rxBytes,
      txBytes: this.txBytes,
      lastHandshakeAt: this.lastHandshakeAt,
      currentSession: kp
        ? { localIndex: kp.localIndex, remoteIndex: kp.remoteIndex, isInitiator: kp.isInitiator, ageMs: now - kp.createdAt, sendCounter: kp.sendCounter }
        : undefined,
      stagedPackets: this.staged.length,
    };
  }

  /** Seconds between persistent keepalives (0: off). */
  get persistentKeepaliveSeconds(): number {
    return this.timers.persistentKeepaliveSeconds;
  }
}

// --- Keypair rotation (whitepaper §6.1; kernel noise.c) ---------------------------------------------------------------

/**
 * A new session: the initiator uses it at once (current; the old current becomes previous), the responder keeps it
 * as next until the first transport packet on it confirms it.
 */
export function addKeypair(indices: PeerIndexTable, peer: Peer, kp: Keypair): void {
  if (kp.isInitiator) {
    if (peer.next) {
      dropKeypair(indices, peer.previous);
      peer.previous = peer.next;
      peer.next = undefined;
      dropKeypair(indices, peer.current);
    } else {
      dropKeypair(indices, peer.previous);
      peer.previous = peer.current;
    }
    peer.current = kp;
  } else {
    dropKeypair(indices, peer.next);
    peer.next = kp;
    dropKeypair(indices, peer.previous);
    peer.previous = undefined;
  }
}

/** The first transport packet on the next keypair arrived: it becomes current. */
export function confirmNext(indices: PeerIndexTable, peer: Peer, kp: Keypair): void {
  dropKeypair(indices, peer.previous);
  peer.previous = peer.current;
  peer.current = kp;
  peer.next = undefined;
}

/** Unregister a keypair's index and erase its keys. */
function dropKeypair(indices: PeerIndexTable, kp: Keypair | undefined): void {
  if (!kp) return;
  const entry = indices.get(kp.localIndex);
  if (entry?.keypair === kp) indices.delete(kp.localIndex);
  kp.zero();
}

/** Erase the pending handshake's secrets and free its index (unless a session took it). */
export function clearHandshake(indices: PeerIndexTable, peer: Peer): void {
  const hs = peer.handshake;
  if (hs.state === 'initiation-sent') {
    const entry = indices.get(hs.localIndex);
    if (entry && !entry.keypair) indices.delete(hs.localIndex);
    hs.initiator.ephemeralPrivate.fill(0);
    hs.initiator.chainingKey.fill(0);
  }
  peer.handshake = { state: 'zeroed' };
}

/** Erase every session and the pending handshake of `peer`. */
export function zeroKeys(indices: PeerIndexTable, peer: Peer): void {
  dropKeypair(indices, peer.previous);
  dropKeypair(indices, peer.current);
  dropKeypair(indices, peer.next);
  peer.previous = peer.current = peer.next = undefined;
  clearHandshake(indices, peer);
}
