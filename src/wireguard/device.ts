/**
 * A WireGuard device and its peers, without sockets or OS timers. The owner feeds it inner IP packets to send
 * (sendPacket) and UDP datagrams received (receive), calls tick() when the clock reaches nextTimerAt(), and gets
 * datagrams to transmit and inner packets delivered through the callbacks it passed in. Everything random comes
 * from the injected Rng and every time from the injected Clock, so a seeded simulation replays byte for byte.
 *
 * Outbound flow (kernel send.c):
 *   1. sendPacket routes by destination through AllowedIPs to a peer (no route: dropped).
 *   2. With a current session younger than REJECT_AFTER_TIME whose counter is below REJECT_AFTER_MESSAGES, the packet
 *      is sealed and sent; otherwise it is staged (up to 128) and a handshake initiation is sent.
 *   3. After sending, an initiator whose session is older than REKEY_AFTER_TIME starts a new handshake.
 * Inbound flow (kernel receive.c): the type word and length select the message; handshakes need a valid mac1 (and,
 * under load, mac2 or they get a cookie reply, then a token from their source address's rate limit); transport
 * messages are looked up by receiver index, opened, checked against the replay window, and their inner source checked
 * against the peer's AllowedIPs. Anything that fails is dropped and counted by reason; no state changes until a
 * message has authenticated.
 */
import type { Clock, Rng } from '../platform/types.js';
import { formatIp, isCanonicalPrefix, parseIp, parsePrefix, type Prefix } from '../net/ip.js';
import { MinHeap } from '../net/heap.js';
import { AllowedIps } from './allowed-ips.js';
import {
  DEFAULT_MTU,
  INITIATION_MIN_INTERVAL_MS,
  KEEPALIVE_TIMEOUT_MS,
  MAX_DATAGRAM_SIZE,
  MAX_STAGED_PACKETS,
  MAX_TIMER_HANDSHAKES,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_TIME_MS,
  REKEY_ON_RECEIVE_AGE_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
  UNDER_LOAD_AFTER_MS,
  UNDER_LOAD_HANDSHAKES_PER_SECOND,
  ZERO_KEYS_AFTER_MS,
} from './constants.js';
import { CookieChecker, CookieGenerator, type CookieAead } from './cookie.js';
import type { CryptoBackend } from './crypto-backend.js';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  deriveTransportKeys,
  type InitiatorHandshake,
  type StaticIdentity,
} from './handshake.js';
import { Keypair } from './keypair.js';
import {
  clampPrivateKey,
  encodeKey,
  hideSecretFields,
  isLowOrderPublicKey,
  KeyFormatError,
  presharedKeyFromBytes,
  publicKeyFromBytes,
  publicKeyFromPrivate,
  zeroPresharedKey,
  type PresharedKey,
  type PrivateKey,
  type PublicKey,
} from './keys.js';
import { COOKIE_REPLY, INITIATION, RESPONSE, messageType, readU32 } from './messages.js';
import { compareTai64n, tai64n } from './tai64n.js';
import { RateLimiter } from './ratelimiter.js';
import { PeerTimers, type TimerName } from './timers.js';
import { decryptTransport, encryptTransport, innerPacketLength, transportReceiver } from './transport.js';

/** A UDP address: IPv4/IPv6 text and port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Why a packet was dropped; each has a counter in Device.drops. */
export type DropReason =
  | 'malformed'
  | 'invalid-mac1'
  | 'under-load'
  | 'rate-limited'
  | 'handshake-unauthenticated'
  | 'replayed-timestamp'
  | 'initiation-flood'
  | 'unknown-receiver'
  | 'unexpected-response'
  | 'cookie-unauthenticated'
  | 'expired-session'
  | 'transport-unauthenticated'
  | 'replayed-counter'
  | 'invalid-inner-packet'
  | 'disallowed-source'
  | 'no-route'
  | 'no-endpoint'
  | 'staged-overflow'
  | 'counter-exhausted'
  | 'handshake-gave-up';

export const DROP_REASONS: readonly DropReason[] = [
  'malformed',
  'invalid-mac1',
  'under-load',
  'rate-limited',
  'handshake-unauthenticated',
  'replayed-timestamp',
  'initiation-flood',
  'unknown-receiver',
  'unexpected-response',
  'cookie-unauthenticated',
  'expired-session',
  'transport-unauthenticated',
  'replayed-counter',
  'invalid-inner-packet',
  'disallowed-source',
  'no-route',
  'no-endpoint',
  'staged-overflow',
  'counter-exhausted',
  'handshake-gave-up',
];

/** Protocol events, for logs, captures and the fabric. They carry no private key material. */
export type DeviceEvent =
  | { type: 'handshake-initiation-sent'; peer: Peer; senderIndex: number; retry: boolean }
  | { type: 'handshake-response-sent'; peer: Peer; senderIndex: number; receiverIndex: number }
  | { type: 'session-established'; peer: Peer; role: 'initiator' | 'responder'; localIndex: number; remoteIndex: number }
  | { type: 'session-confirmed'; peer: Peer; localIndex: number }
  | { type: 'cookie-reply-sent'; to: Endpoint; receiverIndex: number }
  | { type: 'cookie-reply-received'; peer: Peer }
  | { type: 'keepalive-sent'; peer: Peer }
  | { type: 'keepalive-received'; peer: Peer }
  | { type: 'handshake-gave-up'; peer: Peer }
  | { type: 'keys-zeroed'; peer: Peer }
  | { type: 'dropped'; reason: DropReason; from?: Endpoint };

/**
 * The secrets of one handshake from this side, for a Wireshark key log. Only passed to DeviceOptions.keyLog, which
 * the owner must set explicitly.
 */
export interface KeyLogEntry {
  readonly localStaticPrivate: PrivateKey;
  readonly remoteStaticPublic: PublicKey;
  readonly localEphemeralPrivate: PrivateKey;
  readonly presharedKey: PresharedKey;
}

/** Wireshark's WireGuard key log lines (`wg.keylog_file`) for one handshake. */
export function formatKeyLog(entry: KeyLogEntry): string {
  return (
    `LOCAL_STATIC_PRIVATE_KEY = ${encodeKey(entry.localStaticPrivate)}\n` +
    `REMOTE_STATIC_PUBLIC_KEY = ${encodeKey(entry.remoteStaticPublic)}\n` +
    `LOCAL_EPHEMERAL_PRIVATE_KEY = ${encodeKey(entry.localEphemeralPrivate)}\n` +
    `PRESHARED_KEY = ${encodeKey(entry.presharedKey)}\n`
  );
}

export interface DeviceOptions {
  readonly privateKey: PrivateKey;
  readonly clock: Clock;
  readonly rng: Rng;
  /**
   * The random stream for what a handshake with one peer draws (ephemerals, session indices, timer jitter); default:
   * `rng` for every peer. A fabric gives each pair of nodes the stream of its shard, so a seeded run draws the same
   * bytes for a pair however its pairs are spread over threads.
   */
  readonly peerRng?: (peerPublicKey: PublicKey) => Rng;
  /**
   * X25519, (X)ChaCha20-Poly1305 and BLAKE2s. Required, as the engine is pure: production passes sodiumBackend
   * (wg-host/sodium-backend.ts); nobleBackend is the reference, chosen explicitly (its X25519 is not constant-time).
   */
  readonly backend: CryptoBackend;
  /** Shown by `wg show`; the device itself does not bind. */
  readonly listenPort?: number;
  /** Tunnel MTU, bounding padding (default 1420). */
  readonly mtu?: number;
  /** Transmit a UDP datagram. */
  readonly send: (datagram: Uint8Array, to: Endpoint) => void;
  /**
   * An authenticated inner IP packet from `peer`: a view at the start of an array of its own, whose `.buffer` holds
   * that packet and its zero padding, nothing of other packets.
   */
  readonly deliver?: (packet: Uint8Array, peer: Peer) => void;
  readonly onEvent?: (event: DeviceEvent) => void;
  /**
   * Called with the deadline of every timer the device arms, so a driver of many devices can keep one queue of
   * deadlines instead of asking each device for nextTimerAt(). A deadline may later be cancelled or superseded:
   * nextTimerAt() stays the truth.
   */
  readonly onTimerArmed?: (at: number) => void;
  /** Receives the secrets of each handshake this side takes part in (write them only where asked to). */
  readonly keyLog?: (entry: KeyLogEntry) => void;
  /** Handshake messages per second above which cookies are demanded (default 1024). */
  readonly underLoadThreshold?: number;
}

/** A peer's configuration (`wg set ... peer`). */
export interface PeerConfig {
  readonly publicKey: PublicKey;
  readonly presharedKey?: PresharedKey;
  readonly endpoint?: Endpoint;
  /**
   * Prefixes as text ("10.0.0.0/24", "fd00::1/128"), or already parsed: a parsed prefix is kept as it is (never
   * copied), so many devices can share one list — it must not change afterwards.
   */
  readonly allowedIps?: readonly (string | Prefix)[];
  readonly persistentKeepaliveSeconds?: number;
}

/** A change to a peer: only the fields given are changed. */
export interface PeerUpdate {
  readonly presharedKey?: PresharedKey | null;
  readonly endpoint?: Endpoint;
  /** Replaces the peer's prefixes (text, or parsed as in PeerConfig). */
  readonly allowedIps?: readonly (string | Prefix)[];
  readonly persistentKeepaliveSeconds?: number;
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

type HandshakeState =
  | { readonly state: 'zeroed' }
  | { readonly state: 'initiation-sent'; readonly localIndex: number; readonly initiator: InitiatorHandshake };

type IndexEntry = { readonly peer: Peer; readonly keypair?: Keypair };

/**
 * Our session indices and what each names. Indices are random 32-bit numbers; kept as they are, half of them are
 * above 2^31 − 1, which V8 stores as heap numbers: a hashed, allocated key for every transport packet received. The
 * table keys them by their signed 32-bit value instead (`index | 0`, the same 32 bits).
 */
class IndexTable {
  private readonly map = new Map<number, IndexEntry>();
  get(index: number): IndexEntry | undefined {
    return this.map.get(index | 0);
  }
  has(index: number): boolean {
    return this.map.has(index | 0);
  }
  set(index: number, entry: IndexEntry): void {
    this.map.set(index | 0, entry);
  }
  delete(index: number): void {
    this.map.delete(index | 0);
  }
}

/**
 * One peer of a device. Created by Device.addPeer. Its secrets (preshared key, static-static DH, handshake state) and
 * its device live in #private fields, behind accessors on the prototype: JSON, Object.keys, util.inspect and a test
 * failure printing a peer never show them (and, unlike non-enumerable own fields, they cost nothing per peer to hide).
 */
/** A fresh ephemeral private key from `rng`; the unclamped random bytes it was made from are wiped. */
function newEphemeral(rng: Rng): PrivateKey {
  const raw = rng.bytes(32);
  const key = clampPrivateKey(raw);
  raw.fill(0);
  return key;
}

/** A random delay in [0, REKEY_TIMEOUT_JITTER_MAX_MS) added to each handshake retry. */
function jitter(rng: Rng): number {
  const b = rng.bytes(2);
  return Math.floor((((b[0]! << 8) | b[1]!) / 65536) * REKEY_TIMEOUT_JITTER_MAX_MS);
}

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
  readonly #device: Device;
  readonly #computeStaticStatic: (publicKey: PublicKey) => Uint8Array | null;
  #presharedKey: PresharedKey;
  /** DH(S_local, Spub_peer), computed on first use (so adding thousands of peers costs no X25519). */
  #ss: Uint8Array | null | undefined;
  #handshake: HandshakeState = { state: 'zeroed' };

  /** @internal */
  constructor(
    device: Device,
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

/** A WireGuard interface: our static key, our peers, their sessions and timers. */
export class Device {
  readonly publicKey: PublicKey;
  readonly listenPort: number | undefined;
  readonly mtu: number;
  /** @internal */ readonly clock: Clock;
  /** Dropped packets by reason. */
  readonly drops: Record<DropReason, number>;
  /** Keepalives received and sent, cookie replies sent. */
  readonly counters = { keepalivesReceived: 0, keepalivesSent: 0, cookieRepliesSent: 0, handshakesCompleted: 0 };

  private readonly privateKey: PrivateKey;
  private readonly identity: StaticIdentity;
  private readonly rng: Rng;
  private readonly peerRng: DeviceOptions['peerRng'];
  private readonly backend: CryptoBackend;
  private readonly out: DeviceOptions['send'];
  private readonly deliver: DeviceOptions['deliver'];
  private readonly onEvent: DeviceOptions['onEvent'];
  private readonly onTimerArmed: DeviceOptions['onTimerArmed'];
  private readonly keyLog: DeviceOptions['keyLog'];
  /** Made on the first handshake message received (no random draws: the stream is the same either way). */
  #cookieChecker: CookieChecker | undefined;
  private readonly peersByKey = new Map<string, Peer>();
  /** keyId(publicKey), asked on every addPeer. */
  private readonly publicKeyId: string;
  private readonly indices = new IndexTable();
  private readonly routes: AllowedIps<Peer>;
  /** Timers by (deadline, the order they were set in): stale entries are skipped when they surface. */
  private readonly timerQueue = new MinHeap<TimerEntry>();
  private timerSeq = 0;
  private readonly underLoadThreshold: number;
  private forcedUnderLoad: boolean | undefined;
  private loadWindowStart = -Infinity;
  private loadWindowCount = 0;
  private underLoadUntil = -Infinity;
  /** Per-source handshake budget under load, made on first use. */
  #rateLimiter: RateLimiter | undefined;

  /**
   * @throws {RangeError} if the private key is not 32 bytes or the MTU is not a positive integer.
   * @throws {TypeError} if no crypto backend is given.
   */
  constructor(options: DeviceOptions) {
    if (options.mtu !== undefined && !(Number.isInteger(options.mtu) && options.mtu > 0)) {
      throw new RangeError(`Device: mtu must be a positive integer, got ${options.mtu}`);
    }
    if (!options.backend) throw new TypeError('Device: backend is required');
    this.backend = options.backend;
    this.privateKey = clampPrivateKey(options.privateKey);
    this.publicKey = publicKeyFromPrivate(this.privateKey, this.backend);
    this.identity = { privateKey: this.privateKey, publicKey: this.publicKey };
    this.publicKeyId = keyId(this.publicKey);
    this.clock = options.clock;
    this.routes = new AllowedIps<Peer>();
    this.rng = options.rng;
    this.peerRng = options.peerRng;
    this.listenPort = options.listenPort;
    this.mtu = options.mtu ?? DEFAULT_MTU;
    this.out = options.send;
    this.deliver = options.deliver;
    this.onEvent = options.onEvent;
    this.onTimerArmed = options.onTimerArmed;
    this.keyLog = options.keyLog;
    this.underLoadThreshold = options.underLoadThreshold ?? UNDER_LOAD_HANDSHAKES_PER_SECOND;
    this.drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
    hideSecretFields(this, 'privateKey', 'identity');
  }

  /** mac1 and cookie checks for handshake messages to this device (a fabric's restored devices may never see one). */
  private cookieChecker(): CookieChecker {
    return (this.#cookieChecker ??= new CookieChecker(this.publicKey, this.rng, this.backend));
  }

  // --- Peers ------------------------------------------------------------------------------------------------------

  /**
   * Add a peer.
   * @throws {KeyFormatError} if its public key is a low-order point or our own key, or it already exists.
   * @throws {RangeError} if an allowed IP is not a valid prefix or the keepalive interval is out of range.
   */
  addPeer(config: PeerConfig): Peer {
    const pub = publicKeyFromBytes(config.publicKey);
    const key = keyId(pub);
    if (this.peersByKey.has(key)) throw new KeyFormatError('Peer already exists');
    if (isLowOrderPublicKey(pub)) throw new KeyFormatError('Public key is a low-order point');
    if (this.publicKeyId === key) throw new KeyFormatError('Peer public key is the interface public key');
    const cidrs = parsePrefixes(config.allowedIps ?? []);
    const peer = new Peer(
      this,
      pub,
      config.presharedKey ? presharedKeyFromBytes(config.presharedKey) : zeroPresharedKey(),
      (key) => this.backend.x25519(this.privateKey, key),
      this.peerRng?.(pub) ?? this.rng,
      this.backend,
    );
    peer.endpoint = config.endpoint;
    if (config.persistentKeepaliveSeconds !== undefined) setKeepalive(peer, config.persistentKeepaliveSeconds);
    this.peersByKey.set(key, peer);
    this.routes.insertAll(cidrs, peer);
    if (peer.timers.persistentKeepaliveSeconds > 0 && peer.endpoint) this.sendKeepalive(peer);
    return peer;
  }

  /**
   * Change a peer's configuration; fields not given are left as they are.
   * @throws {RangeError} if an allowed IP is not a valid prefix.
   */
  updatePeer(peer: Peer, update: PeerUpdate): void {
    const cidrs = update.allowedIps ? parsePrefixes(update.allowedIps) : undefined;
    if (update.presharedKey !== undefined) {
      peer.presharedKey = update.presharedKey ? presharedKeyFromBytes(update.presharedKey) : zeroPresharedKey();
    }
    if (update.endpoint !== undefined) peer.endpoint = update.endpoint;
    if (update.persistentKeepaliveSeconds !== undefined) setKeepalive(peer, update.persistentKeepaliveSeconds);
    if (cidrs) {
      this.routes.removeValue(peer);
      this.routes.insertAll(cidrs, peer);
    }
  }

  /** Remove a peer, erasing its sessions. Unknown peers are ignored. */
  removePeer(peer: Peer): void {
    if (this.peersByKey.get(keyId(peer.publicKey)) !== peer) return;
    this.peersByKey.delete(keyId(peer.publicKey));
    this.routes.removeValue(peer);
    this.zeroKeys(peer, false);
    peer.timers.stopAll();
    peer.removed = true;
  }

  /** The peer with this public key, if any. */
  getPeer(publicKey: Uint8Array): Peer | undefined {
    return this.peersByKey.get(keyId(publicKey));
  }

  /** All peers, in the order they were added. */
  peers(): Peer[] {
    return [...this.peersByKey.values()];
  }

  /** @internal */
  allowedIpsOf(peer: Peer): Prefix[] {
    return this.routes.prefixesOf(peer);
  }

  // --- Load -------------------------------------------------------------------------------------------------------

  /** Force the under-load state (true/false), or let the handshake rate decide (undefined). */
  setUnderLoad(value: boolean | undefined): void {
    this.forcedUnderLoad = value;
  }

  private isUnderLoad(now: number): boolean {
    if (this.forcedUnderLoad !== undefined) return this.forcedUnderLoad;
    if (now - this.loadWindowStart >= 1000) {
      this.loadWindowStart = now;
      this.loadWindowCount = 0;
    }
    this.loadWindowCount++;
    if (this.loadWindowCount > this.underLoadThreshold) this.underLoadUntil = now + UNDER_LOAD_AFTER_MS;
    return now < this.underLoadUntil;
  }

  // --- Sending ----------------------------------------------------------------------------------------------------

  /** Route an inner IP packet by its destination through AllowedIPs, then seal and send it. */
  sendPacket(packet: Uint8Array): void {
    // destination address: IPv4 bytes 16..20, IPv6 bytes 24..40
    const version = packet.length > 0 ? packet[0]! >> 4 : 0;
    const peer =
      version === 4 && packet.length >= 20
        ? this.routes.lookupIn(packet, 16, 4)
        : version === 6 && packet.length >= 40
          ? this.routes.lookupIn(packet, 24, 16)
          : undefined;
    if (!peer) return this.drop('no-route');
    this.sendToPeer(peer, packet);
  }

  /** @internal Seal `packet` for `peer`, or stage it and start a handshake. */
  sendToPeer(peer: Peer, packet: Uint8Array): void {
    if (peer.removed) return;
    const now = this.clock.now();
    const kp = peer.current;
    if (peer.endpoint && kp && this.canSendOn(kp, now)) {
      this.sealAndSend(peer, kp, packet, now);
      this.keepKeyFreshOnSend(peer, kp, now);
      return;
    }
    // stage and handshake
    if (peer.staged.length >= MAX_STAGED_PACKETS) {
      peer.staged.shift();
      this.drop('staged-overflow');
    }
    peer.staged.push(packet);
    this.initiateHandshake(peer, false);
  }

  private canSendOn(kp: Keypair, now: number): boolean {
    return now - kp.createdAt < REJECT_AFTER_TIME_MS && !kp.exhausted && !isZeroed(kp);
  }

  private sealAndSend(peer: Peer, kp: Keypair, packet: Uint8Array, now: number): void {
    const endpoint = peer.endpoint;
    if (!endpoint) return this.drop('no-endpoint');
    const datagram = encryptTransport(this.backend, kp, packet, this.mtu);
    if (datagram === null) return this.drop('counter-exhausted');
    peer.txBytes += datagram.length;
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketSent();
    if (packet.length > 0) peer.timers.dataSent(now);
    else {
      this.counters.keepalivesSent++;
      this.emit({ type: 'keepalive-sent', peer });
    }
    this.out(datagram, endpoint);
  }

  private sendStaged(peer: Peer): boolean {
    if (peer.staged.length === 0) return false;
    const now = this.clock.now();
    const kp = peer.current;
    if (!peer.endpoint || !kp || !this.canSendOn(kp, now)) return false;
    const staged = peer.staged;
    peer.staged = [];
    for (const p of staged) this.sealAndSend(peer, kp, p, now);
    this.keepKeyFreshOnSend(peer, kp, now);
    return true;
  }

  /** Send a keepalive (an empty transport message), or start a handshake if there is no session. */
  sendKeepalive(peer: Peer): void {
    if (peer.staged.length > 0 && this.sendStaged(peer)) return;
    this.sendToPeer(peer, new Uint8Array(0));
  }

  // keep key fresh: the initiator rekeys a session REKEY_AFTER_TIME old; anyone after REKEY_AFTER_MESSAGES
  private keepKeyFreshOnSend(peer: Peer, kp: Keypair, now: number): void {
    if (kp.pastRekeyMessages || (kp.isInitiator && now - kp.createdAt >= REKEY_AFTER_TIME_MS)) {
      this.initiateHandshake(peer, false);
    }
  }

  // keep key fresh on receive: the initiator rekeys before the session expires if it only receives
  private keepKeyFreshOnReceive(peer: Peer, now: number): void {
    const kp = peer.current;
    if (kp && kp.isInitiator && !peer.timers.sentLastMinuteHandshake && now - kp.createdAt >= REKEY_ON_RECEIVE_AGE_MS) {
      peer.timers.sentLastMinuteHandshake = true;
      this.initiateHandshake(peer, false);
    }
  }

  // --- Handshake --------------------------------------------------------------------------------------------------

  /**
   * Send a handshake initiation to `peer` now, unless one was sent less than REKEY_TIMEOUT ago or the peer has no
   * endpoint.
   */
  initiateHandshake(peer: Peer, isRetry: boolean): void {
    if (peer.removed) return;
    if (!isRetry) peer.timers.handshakeAttempts = 0;
    const now = this.clock.now();
    if (now - peer.lastSentHandshakeAt < REKEY_TIMEOUT_MS) return;
    const endpoint = peer.endpoint;
    if (!endpoint) return this.drop('no-endpoint');
    peer.lastSentHandshakeAt = now;
    const staticStatic = peer.staticStatic;
    if (staticStatic === null) return;
    // create initiation
    this.clearHandshake(peer);
    const senderIndex = this.newIndex({ peer }, peer.rng);
    const ephemeralPrivate = newEphemeral(peer.rng);
    const created = createInitiation({
      backend: this.backend,
      local: this.identity,
      remoteStatic: peer.publicKey,
      staticStatic,
      ephemeralPrivate,
      timestamp: tai64n(now),
      senderIndex,
    });
    if (created === null) {
      this.indices.delete(senderIndex);
      return;
    }
    peer.cookies.addMacs(created.message, now);
    peer.handshake = { state: 'initiation-sent', localIndex: senderIndex, initiator: created.state };
    this.logKeys(peer, ephemeralPrivate);
    // send
    peer.txBytes += created.message.length;
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.anyAuthenticatedPacketSent();
    peer.timers.handshakeInitiated(now);
    this.emit({ type: 'handshake-initiation-sent', peer, senderIndex, retry: isRetry });
    this.out(created.message, endpoint);
  }

  private clearHandshake(peer: Peer): void {
    if (peer.handshake.state === 'initiation-sent') {
      const entry = this.indices.get(peer.handshake.localIndex);
      if (entry && !entry.keypair) this.indices.delete(peer.handshake.localIndex);
      peer.handshake.initiator.ephemeralPrivate.fill(0);
      peer.handshake.initiator.chainingKey.fill(0);
    }
    peer.handshake = { state: 'zeroed' };
  }

  private logKeys(peer: Peer, ephemeralPrivate: PrivateKey): void {
    if (!this.keyLog) return;
    this.keyLog({
      localStaticPrivate: this.privateKey,
      remoteStaticPublic: peer.publicKey,
      localEphemeralPrivate: Uint8Array.from(ephemeralPrivate) as PrivateKey,
      presharedKey: peer.presharedKey,
    });
  }

  /** A fresh random 32-bit index not in use, registered to `entry`. */
  private newIndex(entry: IndexEntry, rng: Rng): number {
    for (;;) {
      const b = rng.bytes(4);
      const index = readU32(b, 0);
      if (!this.indices.has(index)) {
        this.indices.set(index, entry);
        return index;
      }
    }
  }



  // --- Receiving --------------------------------------------------------------------------------------------------

  /** Process a UDP datagram received from `from`. Never throws on bad input: drops and counts it. */
  receive(datagram: Uint8Array, from: Endpoint): void {
    if (datagram.length > MAX_DATAGRAM_SIZE) return this.drop('malformed', from);
    const type = messageType(datagram);
    switch (type) {
      case MESSAGE_TRANSPORT:
        return this.receiveTransport(datagram, from);
      case MESSAGE_INITIATION:
      case MESSAGE_RESPONSE:
        return this.receiveHandshake(type, datagram, from);
      case MESSAGE_COOKIE_REPLY:
        return this.receiveCookieReply(datagram, from);
      default:
        return this.drop('malformed', from);
    }
  }

  private receiveHandshake(type: 1 | 2, msg: Uint8Array, from: Endpoint): void {
    const now = this.clock.now();
    // check mac1, then under load mac2
    if (!this.cookieChecker().checkMac1(msg)) return this.drop('invalid-mac1', from);
    if (this.isUnderLoad(now)) {
      const source = endpointBytes(from);
      if (!source) return this.drop('malformed', from);
      if (!this.cookieChecker().checkMac2(msg, source, now)) {
        const receiverIndex = readU32(msg, type === MESSAGE_INITIATION ? INITIATION.sender : RESPONSE.sender);
        const reply = this.cookieChecker().createReply(msg, receiverIndex, source, now);
        this.counters.cookieRepliesSent++;
        this.drop('under-load', from);
        this.emit({ type: 'cookie-reply-sent', to: from, receiverIndex });
        this.out(reply, from);
        return;
      }
      // protect against flood from one source: its token bucket, before any DH
      if (!(this.#rateLimiter ??= new RateLimiter()).allow(source.subarray(0, source.length - 2), now)) return this.drop('rate-limited', from);
    }
    if (type === MESSAGE_INITIATION) this.receiveInitiation(msg, from, now);
    else this.receiveResponse(msg, from, now);
  }

  private receiveInitiation(msg: Uint8Array, from: Endpoint, now: number): void {
    // consume initiation
    const consumed = consumeInitiation(msg, {
      backend: this.backend,
      local: this.identity,
      lookup: (remoteStatic) => {
        const peer = this.peersByKey.get(keyId(remoteStatic));
        const staticStatic = peer?.staticStatic;
        return peer && staticStatic ? { peer, staticStatic } : undefined;
      },
    });
    if (consumed === null) return this.drop('handshake-unauthenticated', from);
    const peer = consumed.peer;
    // protect against replay & flood
    if (peer.latestTimestamp && compareTai64n(consumed.timestamp, peer.latestTimestamp) <= 0) return this.drop('replayed-timestamp', from);
    if (now - peer.lastInitiationConsumedAt <= INITIATION_MIN_INTERVAL_MS) return this.drop('initiation-flood', from);
    // create response
    const ephemeralPrivate = newEphemeral(peer.rng);
    const localIndex = this.newIndex({ peer }, peer.rng);
    const response = createResponse({
      backend: this.backend,
      // the peer's own key object: backends may cache work per key
      consumed: { ...consumed, remoteStatic: peer.publicKey },
      presharedKey: peer.presharedKey,
      ephemeralPrivate,
      senderIndex: localIndex,
    });
    if (response === null) {
      this.indices.delete(localIndex);
      return this.drop('handshake-unauthenticated', from);
    }
    // commit: the initiation authenticated
    peer.latestTimestamp = consumed.timestamp;
    peer.lastInitiationConsumedAt = now;
    peer.endpoint = from;
    peer.rxBytes += msg.length;
    peer.timers.anyAuthenticatedPacketReceived();
    peer.timers.anyAuthenticatedPacketTraversal(now);
    this.clearHandshake(peer);
    peer.cookies.addMacs(response.message, now);
    this.logKeys(peer, ephemeralPrivate);
    ephemeralPrivate.fill(0);
    // derive keys: the responder keeps them as "next" until the first transport packet
    const { sendKey, receiveKey } = deriveTransportKeys(response.chainingKey, false, this.backend);
    response.chainingKey.fill(0);
    const kp = new Keypair(sendKey, receiveKey, false, now, localIndex, consumed.remoteIndex);
    this.indices.set(localIndex, { peer, keypair: kp });
    this.addKeypair(peer, kp);
    peer.timers.sessionDerived(now);
    peer.txBytes += response.message.length;
    peer.timers.anyAuthenticatedPacketSent();
    this.emit({ type: 'handshake-response-sent', peer, senderIndex: localIndex, receiverIndex: consumed.remoteIndex });
    this.emit({ type: 'session-established', peer, role: 'responder', localIndex, remoteIndex: consumed.remoteIndex });
    this.out(response.message, from);
  }

  private receiveResponse(msg: Uint8Array, from: Endpoint, now: number): void {
    const receiver = readU32(msg, RESPONSE.receiver);
    const entry = this.indices.get(receiver);
    if (!entry || entry.keypair) return this.drop('unknown-receiver', from);
    const peer = entry.peer;
    const hs = peer.handshake;
    if (hs.state !== 'initiation-sent' || hs.localIndex !== receiver) return this.drop('unexpected-response', from);
    // consume response
    const consumed = consumeResponse(msg, { backend: this.backend, local: this.identity, state: hs.initiator, presharedKey: peer.presharedKey });
    if (consumed === null) return this.drop('handshake-unauthenticated', from);
    // commit: derive keys, the initiator uses them at once
    this.clearHandshake(peer);
    const { sendKey, receiveKey } = deriveTransportKeys(consumed.chainingKey, true, this.backend);
    consumed.chainingKey.fill(0);
    const kp = new Keypair(sendKey, receiveKey, true, now, receiver, consumed.remoteIndex);
    this.indices.set(receiver, { peer, keypair: kp });
    this.addKeypair(peer, kp);
    peer.endpoint = from;
    peer.rxBytes += msg.length;
    peer.lastHandshakeAt = now;
    this.counters.handshakesCompleted++;
    peer.timers.anyAuthenticatedPacketReceived();
    peer.timers.anyAuthenticatedPacketTraversal(now);
    peer.timers.sessionDerived(now);
    peer.timers.handshakeComplete();
    this.emit({ type: 'session-established', peer, role: 'initiator', localIndex: receiver, remoteIndex: consumed.remoteIndex });
    // confirm the session: staged packets, or a keepalive
    if (!this.sendStaged(peer)) this.sendToPeer(peer, new Uint8Array(0));
  }

  private receiveCookieReply(msg: Uint8Array, from: Endpoint): void {
    const entry = this.indices.get(readU32(msg, COOKIE_REPLY.receiver));
    if (!entry) return this.drop('unknown-receiver', from);
    if (!entry.peer.cookies.consumeReply(msg, this.clock.now())) return this.drop('cookie-unauthenticated', from);
    this.emit({ type: 'cookie-reply-received', peer: entry.peer });
  }

  private receiveTransport(datagram: Uint8Array, from: Endpoint): void {
    const now = this.clock.now();
    const entry = this.indices.get(transportReceiver(datagram));
    const kp = entry?.keypair;
    if (!entry || !kp) return this.drop('unknown-receiver', from);
    const peer = entry.peer;
    if (now - kp.createdAt >= REJECT_AFTER_TIME_MS || isZeroed(kp)) return this.drop('expired-session', from);
    // decrypt, then check the counter against the window
    const opened = decryptTransport(this.backend, kp.receiveKey, datagram);
    if (opened === null) return this.drop('transport-unauthenticated', from);
    if (!kp.replay.accept(opened.counter)) return this.drop('replayed-counter', from);
    // authenticated from here on
    peer.endpoint = from;
    peer.rxBytes += datagram.length;
    if (kp === peer.next) {
      this.confirmNext(peer, kp);
      peer.timers.handshakeComplete();
      peer.lastHandshakeAt = now;
      this.counters.handshakesCompleted++;
      this.emit({ type: 'session-confirmed', peer, localIndex: kp.localIndex });
      this.sendStaged(peer);
    }
    this.keepKeyFreshOnReceive(peer, now);
    peer.timers.anyAuthenticatedPacketReceived();
    peer.timers.anyAuthenticatedPacketTraversal(now);
    const plaintext = opened.plaintext;
    if (plaintext.length === 0) {
      this.counters.keepalivesReceived++;
      this.emit({ type: 'keepalive-received', peer });
      return;
    }
    peer.timers.dataReceived(now);
    // trim padding by the inner length, then check the source against AllowedIPs
    const length = innerPacketLength(plaintext);
    if (length === null) return this.drop('invalid-inner-packet', from);
    const packet = length === plaintext.length ? plaintext : plaintext.subarray(0, length);
    // inner source address: IPv4 bytes 12..16, IPv6 bytes 8..24 (innerPacketLength checked the header is there)
    const v4 = packet[0]! >> 4 === 4;
    if (this.routes.lookupIn(packet, v4 ? 12 : 8, v4 ? 4 : 16) !== peer) return this.drop('disallowed-source', from);
    this.deliver?.(packet, peer);
  }

  // --- Keypairs ---------------------------------------------------------------------------------------------------

  private addKeypair(peer: Peer, kp: Keypair): void {
    if (kp.isInitiator) {
      if (peer.next) {
        this.dropKeypair(peer.previous);
        peer.previous = peer.next;
        peer.next = undefined;
        this.dropKeypair(peer.current);
      } else {
        this.dropKeypair(peer.previous);
        peer.previous = peer.current;
      }
      peer.current = kp;
    } else {
      this.dropKeypair(peer.next);
      peer.next = kp;
      this.dropKeypair(peer.previous);
      peer.previous = undefined;
    }
  }

  private confirmNext(peer: Peer, kp: Keypair): void {
    this.dropKeypair(peer.previous);
    peer.previous = peer.current;
    peer.current = kp;
    peer.next = undefined;
  }

  private dropKeypair(kp: Keypair | undefined): void {
    if (!kp) return;
    const entry = this.indices.get(kp.localIndex);
    if (entry?.keypair === kp) this.indices.delete(kp.localIndex);
    kp.zero();
  }

  private zeroKeys(peer: Peer, emit: boolean): void {
    this.dropKeypair(peer.previous);
    this.dropKeypair(peer.current);
    this.dropKeypair(peer.next);
    peer.previous = peer.current = peer.next = undefined;
    this.clearHandshake(peer);
    if (emit) this.emit({ type: 'keys-zeroed', peer });
  }

  // --- Timers -----------------------------------------------------------------------------------------------------

  /** @internal A peer's timer was set: queue it (stale entries are skipped when they surface). */
  scheduleTimer(peer: Peer, name: TimerName, at: number): void {
    this.timerQueue.push(at, this.timerSeq++, { peer, name });
    this.onTimerArmed?.(at);
    // drop stale entries now and then, so a peer re-arming a timer on every packet does not grow the queue
    if (this.timerQueue.size > 64 + 10 * this.peersByKey.size) this.timerQueue.retain(isLive);
  }

  /** Drop the stale entries at the top of the timer queue; the earliest live deadline, or undefined. */
  private liveTimerAt(): number | undefined {
    const q = this.timerQueue;
    while (q.size > 0 && !isLive(q.top(), q.topKey())) q.pop();
    return q.size > 0 ? q.topKey() : undefined;
  }

  /** The earliest clock time at which tick() has work, or undefined if no timer is pending. O(log n) amortized. */
  nextTimerAt(): number | undefined {
    return this.liveTimerAt();
  }

  /** Fire every timer whose deadline is at or before the clock's now, earliest first. */
  tick(): void {
    const now = this.clock.now();
    for (;;) {
      const at = this.liveTimerAt();
      if (at === undefined || at > now) return;
      const e = this.timerQueue.pop();
      const peer = e.peer;
      peer.timers.deadline[e.name] = undefined;
      switch (e.name) {
        case 'retransmitHandshake':
          this.onRetransmitHandshake(peer, now);
          break;
        case 'sendKeepalive':
          this.onSendKeepalive(peer, now);
          break;
        case 'newHandshake':
          // sent data but heard nothing for KEEPALIVE + REKEY_TIMEOUT: new handshake
          this.initiateHandshake(peer, false);
          break;
        case 'zeroKeyMaterial':
          // no new keys for REJECT_AFTER_TIME × 3: erase all
          this.zeroKeys(peer, true);
          break;
        case 'persistentKeepalive':
          this.sendKeepalive(peer);
          break;
      }
    }
  }

  // retransmit handshake: retry every REKEY_TIMEOUT + jitter, give up after MAX_TIMER_HANDSHAKES retries
  private onRetransmitHandshake(peer: Peer, now: number): void {
    const t = peer.timers;
    if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      t.deadline.sendKeepalive = undefined;
      if (peer.staged.length > 0) {
        this.drops['handshake-gave-up'] += peer.staged.length;
        peer.staged = [];
      }
      this.clearHandshake(peer);
      if (t.deadline.zeroKeyMaterial === undefined) t.deadline.zeroKeyMaterial = now + ZERO_KEYS_AFTER_MS;
      this.emit({ type: 'handshake-gave-up', peer });
      return;
    }
    t.handshakeAttempts++;
    this.initiateHandshake(peer, true);
  }

  // send keepalive: we received data and sent nothing for KEEPALIVE_TIMEOUT
  private onSendKeepalive(peer: Peer, now: number): void {
    this.sendKeepalive(peer);
    if (peer.timers.needAnotherKeepalive) {
      peer.timers.needAnotherKeepalive = false;
      peer.timers.deadline.sendKeepalive = now + KEEPALIVE_TIMEOUT_MS;
    }
  }

  /**
   * @internal For snapshot.ts only: register a restored session's (or pending handshake's) index to its peer, as
   * newIndex() does for a fresh one.
   */
  restoreIndex(index: number, peer: Peer, keypair?: Keypair): void {
    this.indices.set(index, keypair ? { peer, keypair } : { peer });
  }

  /** The private key, for `wg showconf` and key logs only: never log it. */
  revealPrivateKey(): PrivateKey {
    return Uint8Array.from(this.privateKey) as PrivateKey;
  }

  /** Erase all sessions and stop all timers. */
  close(): void {
    for (const peer of this.peersByKey.values()) {
      this.zeroKeys(peer, false);
      peer.timers.stopAll();
    }
  }

  // --- Helpers ----------------------------------------------------------------------------------------------------

  private drop(reason: DropReason, from?: Endpoint): void {
    this.drops[reason]++;
    if (this.onEvent) this.emit(from ? { type: 'dropped', reason, from } : { type: 'dropped', reason });
  }

  private emit(event: DeviceEvent): void {
    this.onEvent?.(event);
  }
}

/** A Map key for 32 key bytes (one char per byte: cheaper than hex on the handshake path). */
function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

/** A queued timer: which of a peer's timers (its deadline is the heap's key). */
interface TimerEntry {
  readonly peer: Peer;
  readonly name: TimerName;
}

/** A queued timer is live while its peer is still there and the deadline was not changed since. */
function isLive(e: TimerEntry, at: number): boolean {
  return !e.peer.removed && e.peer.timers.deadline[e.name] === at;
}

function isZeroed(kp: Keypair): boolean {
  return kp.zeroed;
}

/**
 * Lists of parsed prefixes already checked and returned as they are: a list's prefixes must not change once given
 * (PeerConfig.allowedIps), so a fabric that gives one node's list to every device that peers with it is checked once.
 */
const checkedLists = new WeakSet<readonly (string | Prefix)[]>();

function parsePrefixes(list: readonly (string | Prefix)[]): readonly Prefix[] {
  if (checkedLists.has(list)) return list as readonly Prefix[];
  if (list.every((entry) => typeof entry !== 'string')) {
    for (const entry of list as readonly Prefix[]) {
      if (!isCanonicalPrefix(entry)) throw new RangeError(`allowed IP is not a valid prefix: ${formatIp(entry.address)}/${entry.bits}`);
    }
    checkedLists.add(list);
    return list as readonly Prefix[];
  }
  return list.map((entry) => {
    if (typeof entry !== 'string') {
      if (!isCanonicalPrefix(entry)) throw new RangeError(`allowed IP is not a valid prefix: ${formatIp(entry.address)}/${entry.bits}`);
      return entry;
    }
    const c = parsePrefix(entry.trim());
    if (!c) throw new RangeError(`allowed IP is not a valid prefix: ${JSON.stringify(entry)}`);
    return c;
  });
}

function setKeepalive(peer: Peer, seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 65535) {
    throw new RangeError(`persistent keepalive must be an integer in 0..65535, got ${seconds}`);
  }
  peer.timers.persistentKeepaliveSeconds = seconds;
  if (seconds === 0) peer.timers.deadline.persistentKeepalive = undefined;
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

/** "address:port", with IPv6 in brackets. */
export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export { formatIp };
