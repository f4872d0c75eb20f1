/**
 * What a device receives (wireguard-go receive.go; kernel receive.c): a UDP datagram's type word and length select
 * the message. Handshake messages need a valid mac1 (and, under load, a mac2, else they get a cookie reply, then a
 * token from their source address's rate limit) before any DH; transport messages are looked up by receiver index,
 * opened, checked against the replay window, and their inner source checked against the peer's AllowedIPs. Anything
 * that fails is dropped and counted by reason; no state changes until a message has authenticated.
 */
import {
  INITIATION_MIN_INTERVAL_MS,
  MAX_DATAGRAM_SIZE,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  REJECT_AFTER_TIME_MS,
  REKEY_ON_RECEIVE_AGE_MS,
} from './constants.js';
import type { CookieChecker } from './cookie.js';
import { holdSecret } from './crypto-backend.js';
import { drop } from './events.js';
import { consumeInitiation, consumeResponse, deriveTransportKeys } from './handshake.js';
import { Keypair } from './keypair.js';
import { COOKIE_REPLY, INITIATION, RESPONSE, messageType, readU32 } from './messages.js';
import { addKeypair, clearHandshake, confirmNext, endpointBytes, type Endpoint, type Peer } from './peer.js';
import type { RateLimiter } from './ratelimiter.js';
import { sealOrStage, sendHandshakeInitiation, sendHandshakeResponse, sendStagedPackets, type SendContext } from './send.js';
import { compareTai64n } from './tai64n.js';
import { decryptTransport, innerPacketLength, transportReceiver } from './transport.js';

/** What receiving needs of a device beyond what sending does. */
export interface ReceiveContext extends SendContext {
  /** An authenticated inner IP packet (DeviceOptions.deliver). */
  readonly deliver: ((packet: Uint8Array, peer: Peer) => void) | undefined;
  getPeer(publicKey: Uint8Array): Peer | undefined;
  /** mac1/mac2 checks and cookie replies. */
  cookieChecker(): CookieChecker;
  /** Per-source handshake budget under load. */
  rateLimiter(): RateLimiter;
  /** Count a handshake message at `now`; whether the device is under load. */
  isUnderLoad(now: number): boolean;
}

/** Process a UDP datagram received from `from`. Never throws on bad input: drops and counts it. */
export function receiveDatagram(d: ReceiveContext, datagram: Uint8Array, from: Endpoint): void {
  if (datagram.length > MAX_DATAGRAM_SIZE) return drop(d, 'malformed', from);
  const type = messageType(datagram);
  switch (type) {
    case MESSAGE_TRANSPORT:
      return receiveTransport(d, datagram, from);
    case MESSAGE_INITIATION:
    case MESSAGE_RESPONSE:
      return receiveHandshake(d, type, datagram, from);
    case MESSAGE_COOKIE_REPLY:
      return receiveCookieReply(d, datagram, from);
    default:
      return drop(d, 'malformed', from);
  }
}

function receiveHandshake(d: ReceiveContext, type: 1 | 2, msg: Uint8Array, from: Endpoint): void {
  const now = d.clock.now();
  // check mac1, then under load mac2
  if (!d.cookieChecker().checkMac1(msg)) return drop(d, 'invalid-mac1', from);
  if (d.isUnderLoad(now)) {
    const source = endpointBytes(from);
    if (!source) return drop(d, 'malformed', from);
    if (!d.cookieChecker().checkMac2(msg, source, now)) {
      const receiverIndex = readU32(msg, type === MESSAGE_INITIATION ? INITIATION.sender : RESPONSE.sender);
      const reply = d.cookieChecker().createReply(msg, receiverIndex, source, now);
      d.counters.cookieRepliesSent++;
      drop(d, 'under-load', from);
      d.onEvent?.({ type: 'cookie-reply-sent', to: from, receiverIndex });
      d.out(reply, from);
      return;
    }
    // protect against flood from one source: its token bucket, before any DH
    if (!d.rateLimiter().allow(source.subarray(0, source.length - 2), now)) return drop(d, 'rate-limited', from);
  }
  if (type === MESSAGE_INITIATION) receiveInitiation(d, msg, from, now);
  else receiveResponse(d, msg, from, now);
}

function receiveInitiation(d: ReceiveContext, msg: Uint8Array, from: Endpoint, now: number): void {
  // consume initiation
  const consumed = consumeInitiation(msg, {
    backend: d.backend,
    local: d.identity,
    lookup: (remoteStatic) => {
      const peer = d.getPeer(remoteStatic);
      const staticStatic = peer?.staticStatic;
      return peer && staticStatic ? { peer, staticStatic } : undefined;
    },
  });
  if (consumed === null) return drop(d, 'handshake-unauthenticated', from);
  const peer = consumed.peer;
  // protect against replay & flood
  if (peer.latestTimestamp && compareTai64n(consumed.timestamp, peer.latestTimestamp) <= 0) return drop(d, 'replayed-timestamp', from);
  if (now - peer.lastInitiationConsumedAt <= INITIATION_MIN_INTERVAL_MS) return drop(d, 'initiation-flood', from);
  sendHandshakeResponse(d, peer, consumed, msg.length, from, now);
}

function receiveResponse(d: ReceiveContext, msg: Uint8Array, from: Endpoint, now: number): void {
  const receiver = readU32(msg, RESPONSE.receiver);
  const entry = d.indices.get(receiver);
  if (!entry || entry.keypair) return drop(d, 'unknown-receiver', from);
  const peer = entry.peer;
  const hs = peer.handshake;
  if (hs.state !== 'initiation-sent' || hs.localIndex !== receiver) return drop(d, 'unexpected-response', from);
  // consume response
  const consumed = consumeResponse(msg, { backend: d.backend, local: d.identity, state: hs.initiator, presharedKey: peer.presharedKey });
  if (consumed === null) return drop(d, 'handshake-unauthenticated', from);
  // commit: derive keys, the initiator uses them at once
  clearHandshake(d.indices, peer);
  const { sendKey, receiveKey } = deriveTransportKeys(consumed.chainingKey, true, d.backend);
  consumed.chainingKey.fill(0);
  const kp = new Keypair(holdSecret(d.backend, sendKey), holdSecret(d.backend, receiveKey), true, now, receiver, consumed.remoteIndex);
  d.indices.set(receiver, { peer, keypair: kp });
  addKeypair(d.indices, peer, kp);
  peer.endpoint = from;
  peer.rxBytes += msg.length;
  peer.lastHandshakeAt = now;
  d.counters.handshakesCompleted++;
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);
  peer.timers.sessionDerived(now);
  peer.timers.handshakeComplete();
  d.onEvent?.({ type: 'session-established', peer, role: 'initiator', localIndex: receiver, remoteIndex: consumed.remoteIndex });
  // confirm the session: staged packets, or a keepalive
  if (!sendStagedPackets(d, peer)) sealOrStage(d, peer, new Uint8Array(0));
}

function receiveCookieReply(d: ReceiveContext, msg: Uint8Array, from: Endpoint): void {
  const entry = d.indices.get(readU32(msg, COOKIE_REPLY.receiver));
  if (!entry) return drop(d, 'unknown-receiver', from);
  if (!entry.peer.cookies.consumeReply(msg, d.clock.now())) return drop(d, 'cookie-unauthenticated', from);
  d.onEvent?.({ type: 'cookie-reply-received', peer: entry.peer });
}

function receiveTransport(d: ReceiveContext, datagram: Uint8Array, from: Endpoint): void {
  const now = d.clock.now();
  const entry = d.indices.get(transportReceiver(datagram));
  const kp = entry?.keypair;
  if (!entry || !kp) return drop(d, 'unknown-receiver', from);
  const peer = entry.peer;
  if (now - kp.createdAt >= REJECT_AFTER_TIME_MS || kp.zeroed) return drop(d, 'expired-session', from);
  // decrypt, then check the counter against the window
  const opened = decryptTransport(d.backend, kp.receiveKey, datagram);
  if (opened === null) return drop(d, 'transport-unauthenticated', from);
  if (!kp.replay.accept(opened.counter)) return drop(d, 'replayed-counter', from);
  // authenticated from here on
  peer.endpoint = from;
  peer.rxBytes += datagram.length;
  if (kp === peer.next) {
    confirmNext(d.indices, peer, kp);
    peer.timers.handshakeComplete();
    peer.lastHandshakeAt = now;
    d.counters.handshakesCompleted++;
    d.onEvent?.({ type: 'session-confirmed', peer, localIndex: kp.localIndex });
    sendStagedPackets(d, peer);
  }
  keepKeyFreshOnReceive(d, peer, now);
  peer.timers.anyAuthenticatedPacketReceived();
  peer.timers.anyAuthenticatedPacketTraversal(now);
  const plaintext = opened.plaintext;
  if (plaintext.length === 0) {
    d.counters.keepalivesReceived++;
    d.onEvent?.({ type: 'keepalive-received', peer });
    return;
  }
  peer.timers.dataReceived(now);
  // trim padding by the inner length, then check the source against AllowedIPs
  const length = innerPacketLength(plaintext);
  if (length === null) return drop(d, 'invalid-inner-packet', from);
  const packet = length === plaintext.length ? plaintext : plaintext.subarray(0, length);
  // inner source address: IPv4 bytes 12..16, IPv6 bytes 8..24 (innerPacketLength checked the header is there)
  const v4 = packet[0]! >> 4 === 4;
  if (d.routes.lookupIn(packet, v4 ? 12 : 8, v4 ? 4 : 16) !== peer) return drop(d, 'disallowed-source', from);
  d.deliver?.(packet, peer);
}

// keep key fresh on receive: the initiator rekeys before the session expires if it only receives
function keepKeyFreshOnReceive(d: ReceiveContext, peer: Peer, now: number): void {
  const kp = peer.current;
  if (kp && kp.isInitiator && !peer.timers.sentLastMinuteHandshake && now - kp.createdAt >= REKEY_ON_RECEIVE_AGE_MS) {
    peer.timers.sentLastMinuteHandshake = true;
    sendHandshakeInitiation(d, peer, false);
  }
}
