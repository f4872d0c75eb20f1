/**
 * A WireGuard device and its peers, without sockets or OS timers (wireguard-go device.go): its configuration, its
 * peers by public key, the session index table and AllowedIPs, and the timers' dispatch. The owner feeds it inner IP
 * packets to send (sendPacket) and UDP datagrams received (receive), calls tick() when the clock reaches
 * nextTimerAt(), and gets datagrams to transmit and inner packets delivered through the callbacks it passed in.
 * Everything random comes from the injected Rng and every time from the injected Clock, so a seeded simulation
 * replays byte for byte.
 *
 * The work is done beside it, as wireguard-go splits it: peer.ts (a peer's state, keypair rotation), send.ts
 * (outbound flow, handshake messages), receive.ts (inbound flow), timers.ts (deadlines and their queue),
 * index-table.ts (session indices), events.ts (drops, events, key log), peer-state.ts (a peer's session state out
 * and back in). Those files take the device's state as an argument and never import this one.
 */
import type { Clock, Rng } from '../platform/types.js';
import { formatIp, isCanonicalPrefix, parsePrefix, type Prefix } from '../net/ip.js';
import { AllowedIps } from './allowed-ips.js';
import { DEFAULT_MTU, KEEPALIVE_TIMEOUT_MS, MAX_TIMER_HANDSHAKES, UNDER_LOAD_AFTER_MS, UNDER_LOAD_HANDSHAKES_PER_SECOND, ZERO_KEYS_AFTER_MS } from './constants.js';
import { CookieChecker } from './cookie.js';
import { holdSecret, type CryptoBackend } from './crypto-backend.js';
import { DROP_REASONS, type DeviceEvent, type DropReason, type KeyLogEntry } from './events.js';
import type { StaticIdentity } from './handshake.js';
import { IndexTable } from './index-table.js';
import {
  clampPrivateKey,
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
import { clearHandshake, Peer, zeroKeys, type Endpoint } from './peer.js';
import { exportPeerSessions, restorePeerSessions, type PeerSessionState } from './peer-state.js';
import { RateLimiter } from './ratelimiter.js';
import { receiveDatagram, type ReceiveContext } from './receive.js';
import { routePacket, sealOrStage, sendHandshakeInitiation, sendKeepalive, type DeviceCounters } from './send.js';
import { TimerQueue, type TimerName } from './timers.js';

export { DROP_REASONS, formatKeyLog, type DeviceEvent, type DropReason, type KeyLogEntry } from './events.js';
export { endpointBytes, formatEndpoint, Peer, type Endpoint, type PeerStats, type SessionInfo } from './peer.js';
export type { DeviceCounters } from './send.js';
export { KEYPAIR_SLOTS, type KeypairSlot, type KeypairState, type PeerSessionState } from './peer-state.js';
export { formatIp };

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

/** A WireGuard interface: our static key, our peers, their sessions and timers. */
export class Device implements ReceiveContext {
  readonly publicKey: PublicKey;
  readonly listenPort: number | undefined;
  readonly mtu: number;
  /** @internal */ readonly clock: Clock;
  /** Dropped packets by reason. */
  readonly drops: Record<DropReason, number>;
  /** Keepalives received and sent, cookie replies sent, handshakes completed. */
  readonly counters: DeviceCounters = { keepalivesReceived: 0, keepalivesSent: 0, cookieRepliesSent: 0, handshakesCompleted: 0 };

  /** @internal Our static key pair (non-enumerable). */ readonly identity: StaticIdentity;
  /** @internal */ readonly backend: CryptoBackend;
  /** @internal */ readonly out: DeviceOptions['send'];
  /** @internal */ readonly deliver: DeviceOptions['deliver'];
  /** @internal */ readonly onEvent: DeviceOptions['onEvent'];
  /** @internal */ readonly keyLog: DeviceOptions['keyLog'];
  /** @internal Session indices: what each of our indices names. */ readonly indices = new IndexTable<Peer>();
  /** @internal AllowedIPs: cryptokey routing, both directions. */ readonly routes: AllowedIps<Peer>;
  private readonly privateKey: PrivateKey;
  private readonly rng: Rng;
  private readonly peerRng: DeviceOptions['peerRng'];
  private readonly onTimerArmed: DeviceOptions['onTimerArmed'];
  /** Made on the first handshake message received (no random draws: the stream is the same either way). */
  #cookieChecker: CookieChecker | undefined;
  private readonly peersByKey = new Map<string, Peer>();
  /** keyId(publicKey), asked on every addPeer. */
  private readonly publicKeyId: string;
  /** Every peer's timers, by deadline. */
  private readonly timerQueue = new TimerQueue<Peer>();
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
    // the static key, for the device's life, in the backend's secure memory when it has some (sodium_malloc)
    this.privateKey = holdSecret(this.backend, clampPrivateKey(options.privateKey)) as PrivateKey;
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

  /** @internal mac1 and cookie checks for handshake messages to this device (a fabric's restored devices may never see one). */
  cookieChecker(): CookieChecker {
    return (this.#cookieChecker ??= new CookieChecker(this.publicKey, this.rng, this.backend));
  }

  /** @internal The per-source handshake budget under load. */
  rateLimiter(): RateLimiter {
    return (this.#rateLimiter ??= new RateLimiter());
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
    if (peer.timers.persistentKeepaliveSeconds > 0 && peer.endpoint) sendKeepalive(this, peer);
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
    zeroKeys(this.indices, peer);
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

  /** @internal Count a handshake message at `now`; whether the device is under load. */
  isUnderLoad(now: number): boolean {
    if (this.forcedUnderLoad !== undefined) return this.forcedUnderLoad;
    if (now - this.loadWindowStart >= 1000) {
      this.loadWindowStart = now;
      this.loadWindowCount = 0;
    }
    this.loadWindowCount++;
    if (this.loadWindowCount > this.underLoadThreshold) this.underLoadUntil = now + UNDER_LOAD_AFTER_MS;
    return now < this.underLoadUntil;
  }

  // --- Packets (send.ts, receive.ts) --------------------------------------------------------------------------------

  /** Route an inner IP packet by its destination through AllowedIPs, then seal and send it. */
  sendPacket(packet: Uint8Array): void {
    routePacket(this, packet);
  }

  /** @internal Seal `packet` for `peer`, or stage it and start a handshake. */
  sendToPeer(peer: Peer, packet: Uint8Array): void {
    sealOrStage(this, peer, packet);
  }

  /** Send a keepalive (an empty transport message), or start a handshake if there is no session. */
  sendKeepalive(peer: Peer): void {
    sendKeepalive(this, peer);
  }

  /**
   * Send a handshake initiation to `peer` now, unless one was sent less than REKEY_TIMEOUT ago or the peer has no
   * endpoint.
   */
  initiateHandshake(peer: Peer, isRetry: boolean): void {
    sendHandshakeInitiation(this, peer, isRetry);
  }

  /** Process a UDP datagram received from `from`. Never throws on bad input: drops and counts it. */
  receive(datagram: Uint8Array, from: Endpoint): void {
    receiveDatagram(this, datagram, from);
  }

  // --- Timers -----------------------------------------------------------------------------------------------------

  /** @internal A peer's timer was set: queue it (stale entries are skipped when they surface). */
  scheduleTimer(peer: Peer, name: TimerName, at: number): void {
    this.timerQueue.push(peer, name, at, this.peersByKey.size);
    this.onTimerArmed?.(at);
  }

  /** The earliest clock time at which tick() has work, or undefined if no timer is pending. O(log n) amortized. */
  nextTimerAt(): number | undefined {
    return this.timerQueue.nextAt();
  }

  /** Fire every timer whose deadline is at or before the clock's now, earliest first. */
  tick(): void {
    const now = this.clock.now();
    for (;;) {
      const at = this.timerQueue.nextAt();
      if (at === undefined || at > now) return;
      const e = this.timerQueue.pop();
      const peer = e.peer;
      peer.timers.set(e.name, undefined);
      switch (e.name) {
        case 'retransmitHandshake':
          this.onRetransmitHandshake(peer, now);
          break;
        case 'sendKeepalive':
          this.onSendKeepalive(peer, now);
          break;
        case 'newHandshake':
          // sent data but heard nothing for KEEPALIVE + REKEY_TIMEOUT: new handshake
          sendHandshakeInitiation(this, peer, false);
          break;
        case 'zeroKeyMaterial':
          // no new keys for REJECT_AFTER_TIME × 3: erase all
          zeroKeys(this.indices, peer);
          this.onEvent?.({ type: 'keys-zeroed', peer });
          break;
        case 'persistentKeepalive':
          sendKeepalive(this, peer);
          break;
      }
    }
  }

  // retransmit handshake: retry every REKEY_TIMEOUT + jitter, give up after MAX_TIMER_HANDSHAKES retries
  private onRetransmitHandshake(peer: Peer, now: number): void {
    const t = peer.timers;
    if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      t.set('sendKeepalive', undefined);
      if (peer.staged.length > 0) {
        this.drops['handshake-gave-up'] += peer.staged.length;
        peer.staged = [];
      }
      clearHandshake(this.indices, peer);
      if (t.deadline.zeroKeyMaterial === undefined) t.set('zeroKeyMaterial', now + ZERO_KEYS_AFTER_MS);
      this.onEvent?.({ type: 'handshake-gave-up', peer });
      return;
    }
    t.handshakeAttempts++;
    sendHandshakeInitiation(this, peer, true);
  }

  // send keepalive: we received data and sent nothing for KEEPALIVE_TIMEOUT
  private onSendKeepalive(peer: Peer, now: number): void {
    sendKeepalive(this, peer);
    if (peer.timers.needAnotherKeepalive) {
      peer.timers.needAnotherKeepalive = false;
      peer.timers.set('sendKeepalive', now + KEEPALIVE_TIMEOUT_MS);
    }
  }

  // --- Session state (peer-state.ts) ----------------------------------------------------------------------------

  /**
   * The session state of `peer` (keypairs, pending handshake, counters, timer deadlines), for a driver that resumes
   * a simulation in another process. It shares the peer's keys: encode it at once, do not change or keep it.
   */
  exportSessions(peer: Peer): PeerSessionState {
    return exportPeerSessions(peer);
  }

  /**
   * Put an exported state back onto `peer` of this freshly configured device (the same public key, no sessions yet);
   * returns false, changing nothing, when the keys differ or the peer already has sessions.
   * @throws {RangeError} if the state is malformed (nothing is changed).
   */
  restoreSessions(peer: Peer, state: PeerSessionState): boolean {
    return restorePeerSessions(this.indices, peer, state, this.backend);
  }

  /** The private key, for `wg showconf` and key logs only: never log it. */
  revealPrivateKey(): PrivateKey {
    return Uint8Array.from(this.privateKey) as PrivateKey;
  }

  /** Erase all sessions and stop all timers. */
  close(): void {
    for (const peer of this.peersByKey.values()) {
      zeroKeys(this.indices, peer);
      peer.timers.stopAll();
    }
  }
}

/** A Map key for 32 key bytes (one char per byte: cheaper than hex on the handshake path). */
function keyId(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
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
  if (seconds === 0) peer.timers.set('persistentKeepalive', undefined);
}
