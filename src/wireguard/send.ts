/**
 * What a device sends (wireguard-go send.go; kernel send.c): handshake initiations and responses, sealed transport
 * messages, keepalives, and packets staged while there is no session. Functions of the device's state (SendContext),
 * so this file does not import device.ts.
 *
 * Outbound flow:
 *   1. routePacket looks the destination up in AllowedIPs to find a peer (no route: dropped).
 *   2. With a current session younger than REJECT_AFTER_TIME whose counter is below REJECT_AFTER_MESSAGES, the packet
 *      is sealed and sent; otherwise it is staged (up to 128, the oldest dropped first) and a handshake initiation is
 *      sent, unless one went less than REKEY_TIMEOUT ago.
 *   3. After sending, an initiator whose session is older than REKEY_AFTER_TIME (anyone past REKEY_AFTER_MESSAGES)
 *      starts a new handshake.
 *   4. When a session is established, the staged packets go out on it (or a keepalive, to confirm it).
 */
import type { Rng } from '../platform/types.js';
import type { AllowedIps } from './allowed-ips.js';
import { MAX_STAGED_PACKETS, REJECT_AFTER_TIME_MS, REKEY_AFTER_TIME_MS, REKEY_TIMEOUT_MS } from './constants.js';
import { holdSecret, type CryptoBackend } from './crypto-backend.js';
import { drop, type EventSink, type KeyLogEntry } from './events.js';
import { createInitiation, createResponse, deriveTransportKeys, type ConsumedInitiation, type StaticIdentity } from './handshake.js';
import { Keypair } from './keypair.js';
import { clampPrivateKey, type PrivateKey } from './keys.js';
import { addKeypair, clearHandshake, type Endpoint, type Peer, type PeerHost, type PeerIndexTable } from './peer.js';
import { tai64n } from './tai64n.js';
import { encryptTransport } from './transport.js';

/** Keepalives received and sent, cookie replies sent, handshakes completed. */
export interface DeviceCounters {
  keepalivesReceived: number;
  keepalivesSent: number;
  cookieRepliesSent: number;
  handshakesCompleted: number;
}

/** What sending needs of a device (Device implements it; its secrets stay non-enumerable there). */
export interface SendContext extends EventSink, PeerHost {
  readonly backend: CryptoBackend;
  readonly mtu: number;
  readonly identity: StaticIdentity;
  /** Transmit a UDP datagram (DeviceOptions.send). */
  readonly out: (datagram: Uint8Array, to: Endpoint) => void;
  readonly keyLog: ((entry: KeyLogEntry) => void) | undefined;
  readonly counters: DeviceCounters;
  readonly indices: PeerIndexTable;
  readonly routes: AllowedIps<Peer>;
}

/** Route an inner IP packet by its destination through AllowedIPs, then seal and send it. */
export function routePacket(d: SendContext, packet: Uint8Array): void {
  // destination address: IPv4 bytes 16..20, IPv6 bytes 24..40
  const version = packet.length > 0 ? packet[0]! >> 4 : 0;
  const peer =
    version === 4 && packet.length >= 20
      ? d.routes.lookupIn(packet, 16, 4)
      : version === 6 && packet.length >= 40
        ? d.routes.lookupIn(packet, 24, 16)
        : undefined;
  if (!peer) return drop(d, 'no-route');
  sealOrStage(d, peer, packet);
}

/** Seal `packet` for `peer`, or stage it and start a handshake. */
export function sealOrStage(d: SendContext, peer: Peer, packet: Uint8Array): void {
  if (peer.removed) return;
  const now = d.clock.now();
  const kp = peer.current;
  if (peer.endpoint && kp && canSendOn(kp, now)) {
    sealAndSend(d, peer, kp, packet, now);
    keepKeyFreshOnSend(d, peer, kp, now);
    return;
  }
  // stage and handshake
  if (peer.staged.length >= MAX_STAGED_PACKETS) {
    peer.staged.shift();
    drop(d, 'staged-overflow');
  }
  peer.staged.push(packet);
  sendHandshakeInitiation(d, peer, false);
}

function canSendOn(kp: Keypair, now: number): boolean {
  return now - kp.createdAt < REJECT_AFTER_TIME_MS && !kp.exhausted && !kp.zeroed;
}

function sealAndSend(d: SendContext, peer: Peer, kp: Keypair, packet: Uint8Array, now: number): void {
  const endpoint = peer.endpoint;
  if (!endpoint) return drop(d, 'no-endpoint');
  const datagram = encryptTransport(d.backend, kp, packet, d.mtu);
  if (datagram === null) return drop(d, 'counter-exhausted');
  peer.txBytes += datagram.length;
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.anyAuthenticatedPacketSent();
  if (packet.length > 0) peer.timers.dataSent(now);
  else {
    d.counters.keepalivesSent++;
    d.onEvent?.({ type: 'keepalive-sent', peer });
  }
  d.out(datagram, endpoint);
}

/** Send the packets staged for `peer` on its current session; false (nothing sent) if none or no usable session. */
export function sendStagedPackets(d: SendContext, peer: Peer): boolean {
  if (peer.staged.length === 0) return false;
  const now = d.clock.now();
  const kp = peer.current;
  if (!peer.endpoint || !kp || !canSendOn(kp, now)) return false;
  const staged = peer.staged;
  peer.staged = [];
  for (const p of staged) sealAndSend(d, peer, kp, p, now);
  keepKeyFreshOnSend(d, peer, kp, now);
  return true;
}

/** Send a keepalive (an empty transport message), or start a handshake if there is no session. */
export function sendKeepalive(d: SendContext, peer: Peer): void {
  if (peer.staged.length > 0 && sendStagedPackets(d, peer)) return;
  sealOrStage(d, peer, new Uint8Array(0));
}

// keep key fresh: the initiator rekeys a session REKEY_AFTER_TIME old; anyone after REKEY_AFTER_MESSAGES
function keepKeyFreshOnSend(d: SendContext, peer: Peer, kp: Keypair, now: number): void {
  if (kp.pastRekeyMessages || (kp.isInitiator && now - kp.createdAt >= REKEY_AFTER_TIME_MS)) {
    sendHandshakeInitiation(d, peer, false);
  }
}

// --- Handshake messages ----------------------------------------------------------------------------------------------

/**
 * Send a handshake initiation to `peer` now, unless one was sent less than REKEY_TIMEOUT ago or the peer has no
 * endpoint. `isRetry`: a retransmission (the attempt count is kept), else a new handshake (it is reset).
 */
export function sendHandshakeInitiation(d: SendContext, peer: Peer, isRetry: boolean): void {
  if (peer.removed) return;
  if (!isRetry) peer.timers.handshakeAttempts = 0;
  const now = d.clock.now();
  if (now - peer.lastSentHandshakeAt < REKEY_TIMEOUT_MS) return;
  const endpoint = peer.endpoint;
  if (!endpoint) return drop(d, 'no-endpoint');
  peer.lastSentHandshakeAt = now;
  const staticStatic = peer.staticStatic;
  if (staticStatic === null) return;
  // create initiation
  clearHandshake(d.indices, peer);
  const senderIndex = d.indices.allocate({ peer }, peer.rng);
  const ephemeralPrivate = newEphemeral(peer.rng);
  const created = createInitiation({
    backend: d.backend,
    local: d.identity,
    remoteStatic: peer.publicKey,
    staticStatic,
    ephemeralPrivate,
    timestamp: tai64n(now),
    senderIndex,
  });
  if (created === null) {
    d.indices.delete(senderIndex);
    return;
  }
  peer.cookies.addMacs(created.message, now);
  peer.handshake = { state: 'initiation-sent', localIndex: senderIndex, initiator: created.state };
  logKeys(d, peer, ephemeralPrivate);
  // send
  peer.txBytes += created.message.length;
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.anyAuthenticatedPacketSent();
  peer.timers.handshakeInitiated(now);
  d.onEvent?.({ type: 'handshake-initiation-sent', peer, senderIndex, retry: isRetry });
  d.out(created.message, endpoint);
}

/**
 * Answer an initiation from `peer` that authenticated and passed the replay and flood checks (receive.ts). The
 * initiation's effects on the peer (timestamp, endpoint, counters) are committed only once the response exists; the
 * responder keeps the new keys as "next" until the first transport packet on them.
 */
export function sendHandshakeResponse(d: SendContext, peer: Peer, consumed: ConsumedInitiation<Peer>, received: number, from: Endpoint, now: number): void {
  // create response
  const ephemeralPrivate = newEphemeral(peer.rng);
  const localIndex = d.indices.allocate({ peer }, peer.rng);
  const response = createResponse({
    backend: d.backend,
    // the peer's own key object: backends may cache work per key
    consumed: { ...consumed, remoteStatic: peer.publicKey },
    presharedKey: peer.presharedKey,
    ephemeralPrivate,
    senderIndex: localIndex,
  });
  if (response === null) {
    d.indices.delete(localIndex);
    return drop(d, 'handshake-unauthenticated', from);
  }
  // commit: the initiation authenticated
  peer.latestTimestamp = consumed.timestamp;
  peer.lastInitiationConsumedAt = now;
  peer.endpoint = from;
  peer.rxBytes += received;
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);
  clearHandshake(d.indices, peer);
  peer.cookies.addMacs(response.message, now);
  logKeys(d, peer, ephemeralPrivate);
  ephemeralPrivate.fill(0);
  // derive keys: the responder keeps them as "next" until the first transport packet
  const { sendKey, receiveKey } = deriveTransportKeys(response.chainingKey, false, d.backend);
  response.chainingKey.fill(0);
  const kp = new Keypair(holdSecret(d.backend, sendKey), holdSecret(d.backend, receiveKey), false, now, localIndex, consumed.remoteIndex);
  d.indices.set(localIndex, { peer, keypair: kp });
  addKeypair(d.indices, peer, kp);
  peer.timers.sessionDerived(now);
  peer.txBytes += response.message.length;
  peer.timers.anyAuthenticatedPacketSent();
  d.onEvent?.({ type: 'handshake-response-sent', peer, senderIndex: localIndex, receiverIndex: consumed.remoteIndex });
  d.onEvent?.({ type: 'session-established', peer, role: 'responder', localIndex, remoteIndex: consumed.remoteIndex });
  d.out(response.message, from);
}

function logKeys(d: SendContext, peer: Peer, ephemeralPrivate: PrivateKey): void {
  if (!d.keyLog) return;
  d.keyLog({
    localStaticPrivate: d.identity.privateKey,
    remoteStaticPublic: peer.publicKey,
    localEphemeralPrivate: Uint8Array.from(ephemeralPrivate) as PrivateKey,
    presharedKey: peer.presharedKey,
  });
}

/** A fresh ephemeral private key from `rng`; the unclamped random bytes it was made from are wiped. */
function newEphemeral(rng: Rng): PrivateKey {
  const raw = rng.bytes(32);
  const key = clampPrivateKey(raw);
  raw.fill(0);
  return key;
}
