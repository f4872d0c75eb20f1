/**
 * A device's session state as plain JSON, so a simulation can stop and resume later (the kernel keeps this in
 * memory; aks-wg's commands are separate processes): per peer, its keypairs (previous, current, next: transport
 * keys, indices, creation time, send counter, replay window), a pending initiation, the latest handshake timestamp
 * and rate-limit times, counters and timer deadlines. Static keys are not part of it: the device is rebuilt from
 * its configuration first, then restore() puts the sessions back on the peers that still have the same key.
 *
 * Not kept: packets staged waiting for a handshake, cookie secrets and received cookies (both expire within 120 s).
 * A snapshot holds secrets (session keys, a pending ephemeral private key): store it like a private key.
 */
import type { Device, Peer } from './device.js';
import { Keypair } from './keypair.js';
import { ReplayFilter } from './replay.js';
import { encodeKey, fromHex, toHex, type PrivateKey } from './keys.js';
import { TIMER_NAMES, type TimerName } from './timers.js';

export const SNAPSHOT_VERSION = 1;

/** -Infinity ("never") does not survive JSON: it is stored as null. */
type Time = number | null;

export interface KeypairSnapshot {
  slot: 'previous' | 'current' | 'next';
  sendKey: string;
  receiveKey: string;
  isInitiator: boolean;
  createdAt: number;
  localIndex: number;
  remoteIndex: number;
  /** Decimal: counters span 64 bits. */
  sendCounter: string;
  replayLast: string;
  /** The replay bitmap's non-zero 32-bit words, `index:hex` joined by commas. */
  replayBitmap: string;
}

export interface PeerSnapshot {
  /** base64, as Peer.name. */
  publicKey: string;
  endpoint: { address: string; port: number } | null;
  keypairs: KeypairSnapshot[];
  pending: { localIndex: number; chainingKey: string; hash: string; ephemeralPrivate: string } | null;
  latestTimestamp: string | null;
  lastInitiationConsumedAt: Time;
  lastSentHandshakeAt: Time;
  lastHandshakeAt: number | null;
  rxBytes: number;
  txBytes: number;
  timers: {
    deadline: Partial<Record<TimerName, number>>;
    handshakeAttempts: number;
    needAnotherKeepalive: boolean;
    sentLastMinuteHandshake: boolean;
  };
}

export interface DeviceSnapshot {
  version: number;
  /** base64 of the device's public key: a snapshot only goes back onto the same identity. */
  publicKey: string;
  peers: PeerSnapshot[];
}

const time = (t: number): Time => (Number.isFinite(t) ? t : null);
const untime = (t: Time): number => (t === null ? -Infinity : t);

/** The replay bitmap's non-zero 32-bit words as "index:hex" pairs (a session's window is mostly empty). */
function bitmapText(words: Readonly<Uint32Array> | null): string {
  if (!words) return '';
  const parts: string[] = [];
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) parts.push(`${i}:${words[i]!.toString(16)}`);
  return parts.join(',');
}

/** bitmapText's inverse; null for an empty window. */
function bitmapFromText(text: string, size: number): Uint32Array | null {
  if (text === '') return null;
  const out = new Uint32Array(size);
  // "index:hex" pairs joined by commas, read by hand (a regex per word was a quarter of restoring a session)
  for (let at = 0; at <= text.length; ) {
    const colon = text.indexOf(':', at);
    let comma = text.indexOf(',', at);
    if (comma < 0) comma = text.length;
    const index = colon > at && colon < comma ? digits(text, at, colon, 10, 4) : -1;
    const word = index >= 0 ? digits(text, colon + 1, comma, 16, 8) : -1;
    if (index < 0 || index >= size || word < 0) throw new RangeError('snapshot: replay bitmap is malformed');
    out[index] = word;
    at = comma + 1;
  }
  return out;
}

/** The number written in `text` from `start` to `end` in decimal or lower-case hex (1 to `max` digits), else −1. */
function digits(text: string, start: number, end: number, radix: 10 | 16, max: number): number {
  if (end <= start || end - start > max) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : radix === 16 && c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    v = v * radix + d;
  }
  return v;
}

function keypairSnapshot(slot: KeypairSnapshot['slot'], kp: Keypair): KeypairSnapshot {
  const replay = kp.replay;
  return {
    slot,
    sendKey: toHex(kp.sendKey),
    receiveKey: toHex(kp.receiveKey),
    isInitiator: kp.isInitiator,
    createdAt: kp.createdAt,
    localIndex: kp.localIndex,
    remoteIndex: kp.remoteIndex,
    sendCounter: kp.sendCounter.toString(),
    replayLast: (replay.greatest + 1n).toString(),
    replayBitmap: bitmapText(replay.words),
  };
}

/** The session state of every peer of `device` (erased keypairs are left out). */
export function snapshotDevice(device: Device): DeviceSnapshot {
  const peers: PeerSnapshot[] = [];
  for (const peer of device.peers()) {
    const keypairs: KeypairSnapshot[] = [];
    for (const slot of ['previous', 'current', 'next'] as const) {
      const kp = peer[slot];
      if (kp && !kp.zeroed) keypairs.push(keypairSnapshot(slot, kp));
    }
    const hs = peer.handshake;
    const deadline: Partial<Record<TimerName, number>> = {};
    for (const name of TIMER_NAMES) {
      const d = peer.timers.deadline[name];
      if (d !== undefined) deadline[name] = d;
    }
    peers.push({
      publicKey: peer.name,
      endpoint: peer.endpoint ? { address: peer.endpoint.address, port: peer.endpoint.port } : null,
      keypairs,
      pending:
        hs.state === 'initiation-sent'
          ? { localIndex: hs.localIndex, chainingKey: toHex(hs.initiator.chainingKey), hash: toHex(hs.initiator.hash), ephemeralPrivate: toHex(hs.initiator.ephemeralPrivate) }
          : null,
      latestTimestamp: peer.latestTimestamp ? toHex(peer.latestTimestamp) : null,
      lastInitiationConsumedAt: time(peer.lastInitiationConsumedAt),
      lastSentHandshakeAt: time(peer.lastSentHandshakeAt),
      lastHandshakeAt: peer.lastHandshakeAt ?? null,
      rxBytes: peer.rxBytes,
      txBytes: peer.txBytes,
      timers: {
        deadline,
        handshakeAttempts: peer.timers.handshakeAttempts,
        needAnotherKeepalive: peer.timers.needAnotherKeepalive,
        sentLastMinuteHandshake: peer.timers.sentLastMinuteHandshake,
      },
    });
  }
  return { version: SNAPSHOT_VERSION, publicKey: encodeKey(device.publicKey), peers };
}

/**
 * Put a snapshot's sessions back onto a freshly configured device (no sessions yet). Peers are matched by public
 * key; a snapshot of another identity, and peers no longer configured, are skipped. Returns the number of peers
 * restored.
 * @throws {RangeError} if the snapshot is malformed (the device is then left without the partial state of that peer).
 */
export function restoreDevice(device: Device, snap: DeviceSnapshot): number {
  if (!snapshotMatches(device, snap)) return 0;
  let restored = 0;
  const byName = new Map(device.peers().map((p) => [p.name, p]));
  for (const ps of snap.peers) {
    const peer = byName.get(ps.publicKey);
    if (!peer) continue;
    if (restorePeer(device, peer, ps)) restored++;
  }
  return restored;
}

/** Whether a snapshot was taken of this device's identity (its static key). */
export function snapshotMatches(device: Device, snap: Pick<DeviceSnapshot, 'version' | 'publicKey'>): boolean {
  return snap.version === SNAPSHOT_VERSION && snap.publicKey === encodeKey(device.publicKey);
}

/**
 * Put one peer's saved sessions back onto `peer` of `device` (a peer with the snapshot's key and no sessions yet);
 * returns false, changing nothing, when the keys differ or the peer already has sessions.
 * @throws {RangeError} if the snapshot is malformed (nothing is changed).
 */
export function restorePeer(device: Device, peer: Peer, ps: PeerSnapshot): boolean {
  if (ps.publicKey !== peer.name || peer.current || peer.next || peer.previous || peer.handshake.state !== 'zeroed') return false;
  // decode everything first; commit only when the whole peer decoded
  const keypairs = ps.keypairs.map((k) => {
    const kp = new Keypair(fromHex(k.sendKey), fromHex(k.receiveKey), k.isInitiator, k.createdAt, k.localIndex >>> 0, k.remoteIndex >>> 0);
    kp.sendCounter = BigInt(k.sendCounter);
    kp.replay.importState({ last: BigInt(k.replayLast), bitmap: bitmapFromText(k.replayBitmap, ReplayFilter.BITMAP_WORDS) });
    if (kp.sendKey.length !== 32 || kp.receiveKey.length !== 32) throw new RangeError('snapshot: a transport key is not 32 bytes');
    return { slot: k.slot, kp };
  });
  const pending = ps.pending
    ? {
        localIndex: ps.pending.localIndex >>> 0,
        initiator: {
          chainingKey: fromHex(ps.pending.chainingKey),
          hash: fromHex(ps.pending.hash),
          ephemeralPrivate: fromHex(ps.pending.ephemeralPrivate) as PrivateKey,
          senderIndex: ps.pending.localIndex >>> 0,
        },
      }
    : null;
  const latest = ps.latestTimestamp === null ? undefined : fromHex(ps.latestTimestamp);
  // commit
  for (const { slot, kp } of keypairs) {
    peer[slot] = kp;
    device.restoreIndex(kp.localIndex, peer, kp);
  }
  if (pending) {
    peer.handshake = { state: 'initiation-sent', localIndex: pending.localIndex, initiator: pending.initiator };
    device.restoreIndex(pending.localIndex, peer);
  }
  if (ps.endpoint) peer.endpoint = { address: ps.endpoint.address, port: ps.endpoint.port };
  peer.latestTimestamp = latest;
  peer.lastInitiationConsumedAt = untime(ps.lastInitiationConsumedAt);
  peer.lastSentHandshakeAt = untime(ps.lastSentHandshakeAt);
  peer.lastHandshakeAt = ps.lastHandshakeAt ?? undefined;
  peer.rxBytes = ps.rxBytes;
  peer.txBytes = ps.txBytes;
  const t = peer.timers;
  for (const name of TIMER_NAMES) t.deadline[name] = ps.timers.deadline[name];
  t.handshakeAttempts = ps.timers.handshakeAttempts;
  t.needAnotherKeepalive = ps.timers.needAnotherKeepalive;
  t.sentLastMinuteHandshake = ps.timers.sentLastMinuteHandshake;
  return true;
}
