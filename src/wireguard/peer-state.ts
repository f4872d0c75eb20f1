/**
 * A peer's session state taken out of a device and put back into a rebuilt one (what Device.exportSessions and
 * Device.restoreSessions trade), so a simulation can stop and resume in another process; the kernel keeps this in
 * memory. Per peer: its keypairs (previous, current, next: transport keys, indices, creation time, send counter,
 * replay window), a pending initiation, the latest handshake timestamp and rate-limit times, counters and timer
 * deadlines. Static keys are not part of it (the device is rebuilt from its configuration first), nor packets staged
 * for a handshake, cookie secrets and received cookies (both expire within 120 s).
 *
 * How the state is stored is the caller's business (fabric/device-snapshot.ts packs it); this file owns what a state
 * must satisfy to go back onto a peer. It holds secrets (session keys, a pending ephemeral private key): keep it like
 * a private key.
 */
import type { CryptoBackend } from './crypto-backend.js';
import { Keypair } from './keypair.js';
import type { PrivateKey } from './keys.js';
import type { Endpoint, Peer, PeerIndexTable } from './peer.js';
import { TAI64N_SIZE } from './tai64n.js';
import { TIMER_NAMES, type TimerName } from './timers.js';

export type KeypairSlot = 'previous' | 'current' | 'next';

/** The slots in their stored order. */
export const KEYPAIR_SLOTS: readonly KeypairSlot[] = ['previous', 'current', 'next'];

/** One keypair of a peer. Holds transport keys. */
export interface KeypairState {
  slot: KeypairSlot;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  isInitiator: boolean;
  createdAt: number;
  localIndex: number;
  remoteIndex: number;
  sendCounter: bigint;
  /** The replay window: greatest counter + 1, and its bitmap (null: every bit clear). */
  replayLast: bigint;
  replayBitmap: Uint32Array | null;
}

/** One peer's sessions and the protocol state around them. */
export interface PeerSessionState {
  /** base64, as Peer.name. */
  publicKey: string;
  endpoint: Endpoint | null;
  keypairs: KeypairState[];
  pending: { localIndex: number; chainingKey: Uint8Array; hash: Uint8Array; ephemeralPrivate: Uint8Array } | null;
  latestTimestamp: Uint8Array | null;
  /** Clock ms; −Infinity: never. */
  lastInitiationConsumedAt: number;
  lastSentHandshakeAt: number;
  lastHandshakeAt: number | undefined;
  rxBytes: number;
  txBytes: number;
  timers: {
    deadline: Partial<Record<TimerName, number>>;
    handshakeAttempts: number;
    needAnotherKeepalive: boolean;
    sentLastMinuteHandshake: boolean;
  };
}

/**
 * The state of `peer` (erased keypairs left out). It shares the peer's keys and replay bitmaps, to be encoded at once:
 * do not change or keep it.
 */
export function exportPeerSessions(peer: Peer): PeerSessionState {
  const keypairs: KeypairState[] = [];
  for (const slot of KEYPAIR_SLOTS) {
    const kp = peer[slot];
    if (!kp || kp.zeroed) continue;
    const replay = kp.replay;
    keypairs.push({
      slot,
      sendKey: kp.sendKey,
      receiveKey: kp.receiveKey,
      isInitiator: kp.isInitiator,
      createdAt: kp.createdAt,
      localIndex: kp.localIndex,
      remoteIndex: kp.remoteIndex,
      sendCounter: kp.sendCounter,
      replayLast: replay.greatest + 1n,
      replayBitmap: replay.words as Uint32Array | null,
    });
  }
  const hs = peer.handshake;
  const deadline: Partial<Record<TimerName, number>> = {};
  for (const name of TIMER_NAMES) {
    const d = peer.timers.deadline[name];
    if (d !== undefined) deadline[name] = d;
  }
  return {
    publicKey: peer.name,
    endpoint: peer.endpoint ? { address: peer.endpoint.address, port: peer.endpoint.port } : null,
    keypairs,
    pending:
      hs.state === 'initiation-sent'
        ? { localIndex: hs.localIndex, chainingKey: hs.initiator.chainingKey, hash: hs.initiator.hash, ephemeralPrivate: hs.initiator.ephemeralPrivate }
        : null,
    latestTimestamp: peer.latestTimestamp ?? null,
    lastInitiationConsumedAt: peer.lastInitiationConsumedAt,
    lastSentHandshakeAt: peer.lastSentHandshakeAt,
    lastHandshakeAt: peer.lastHandshakeAt,
    rxBytes: peer.rxBytes,
    txBytes: peer.txBytes,
    timers: {
      deadline,
      handshakeAttempts: peer.timers.handshakeAttempts,
      needAnotherKeepalive: peer.timers.needAnotherKeepalive,
      sentLastMinuteHandshake: peer.timers.sentLastMinuteHandshake,
    },
  };
}

/**
 * Put `state` back onto `peer` (same public key, no sessions and no pending handshake yet), registering its indices in
 * `indices`; returns false, changing nothing, when the keys differ or the peer already has sessions. The peer takes
 * ownership of the state's arrays, except the transport keys when `backend` has secure memory: the keypairs hold
 * copies there, and the state's key arrays are wiped.
 * @throws {RangeError} if the state is malformed (nothing is changed).
 */
export function restorePeerSessions(indices: PeerIndexTable, peer: Peer, state: PeerSessionState, backend?: CryptoBackend): boolean {
  if (state.publicKey !== peer.name || peer.current || peer.next || peer.previous || peer.handshake.state !== 'zeroed') return false;
  // check and build everything first; commit only when the whole peer is sound
  const slots = new Set<KeypairSlot>();
  // copies in secure memory are made before the commit (a failure drops them) and the state's arrays wiped after it
  const hold = (key: Uint8Array): Uint8Array => backend?.secureCopy?.(key) ?? key;
  const keypairs = state.keypairs.map((k) => {
    if (!KEYPAIR_SLOTS.includes(k.slot)) throw new RangeError('snapshot: a keypair slot is malformed');
    if (slots.has(k.slot)) throw new RangeError('snapshot: two keypairs in one slot');
    slots.add(k.slot);
    if (k.sendKey.length !== 32 || k.receiveKey.length !== 32) throw new RangeError('snapshot: a transport key is not 32 bytes');
    const kp = new Keypair(hold(k.sendKey), hold(k.receiveKey), k.isInitiator, k.createdAt, k.localIndex >>> 0, k.remoteIndex >>> 0);
    kp.sendCounter = k.sendCounter;
    kp.replay.importState({ last: k.replayLast, bitmap: k.replayBitmap });
    return { slot: k.slot, kp };
  });
  const p = state.pending;
  if (p && (p.chainingKey.length !== 32 || p.hash.length !== 32 || p.ephemeralPrivate.length !== 32)) throw new RangeError('snapshot: a pending handshake is malformed');
  if (state.latestTimestamp && state.latestTimestamp.length !== TAI64N_SIZE) throw new RangeError('snapshot: a handshake timestamp is not 12 bytes');
  // commit
  for (const { slot, kp } of keypairs) {
    peer[slot] = kp;
    indices.set(kp.localIndex, { peer, keypair: kp });
  }
  if (backend?.secureCopy) {
    for (const k of state.keypairs) {
      k.sendKey.fill(0);
      k.receiveKey.fill(0);
    }
  }
  if (p) {
    const localIndex = p.localIndex >>> 0;
    peer.handshake = {
      state: 'initiation-sent',
      localIndex,
      initiator: { chainingKey: p.chainingKey, hash: p.hash, ephemeralPrivate: p.ephemeralPrivate as PrivateKey, senderIndex: localIndex },
    };
    indices.set(localIndex, { peer });
  }
  if (state.endpoint) peer.endpoint = { address: state.endpoint.address, port: state.endpoint.port };
  peer.latestTimestamp = state.latestTimestamp ?? undefined;
  peer.lastInitiationConsumedAt = state.lastInitiationConsumedAt;
  peer.lastSentHandshakeAt = state.lastSentHandshakeAt;
  peer.lastHandshakeAt = state.lastHandshakeAt;
  peer.rxBytes = state.rxBytes;
  peer.txBytes = state.txBytes;
  const t = peer.timers;
  for (const name of TIMER_NAMES) t.set(name, state.timers.deadline[name]);
  t.handshakeAttempts = state.timers.handshakeAttempts;
  t.needAnotherKeepalive = state.timers.needAnotherKeepalive;
  t.sentLastMinuteHandshake = state.timers.sentLastMinuteHandshake;
  return true;
}
