/**
 * A device's session state as stored in the fabric's sessions.json (repo/sessions.ts), so a simulation can stop and
 * resume in another process: the device gives and takes each peer's state through Device.exportSessions and
 * Device.restoreSessions (wireguard/peer-state.ts, which says what is kept and what a state must satisfy); this file
 * only encodes it. Static keys are not part of it: the device is rebuilt from its configuration first, then the
 * sessions go back onto the peers that still have the same key.
 *
 * Stored form: a DeviceSnapshot is plain JSON, and each peer's state in it is one packed record (a little-endian
 * binary layout, below, in base64). A fabric saves and restores about ten thousand peers per command; as JSON objects
 * with hex keys they were 780 bytes each and parsing, cloning to threads and writing them was a quarter of a run.
 * Packed they are about 240–260 characters, and JSON, structured clone and the file see one string per peer.
 *
 * A snapshot holds secrets (session keys, a pending ephemeral private key): store it like a private key.
 */
import type { Device, Endpoint, KeypairSlot, KeypairState, Peer, PeerSessionState } from '../wireguard/device.js';
import { KEYPAIR_SLOTS } from '../wireguard/device.js';
import { encodeKey, fromBase64, toBase64 } from '../wireguard/keys.js';
import { newReplayBitmap, ReplayFilter } from '../wireguard/replay.js';
import { TAI64N_SIZE } from '../wireguard/tai64n.js';
import { TIMER_NAMES, type TimerName } from '../wireguard/timers.js';

export type { KeypairSlot };
/** One keypair of a peer, decoded. Holds transport keys. */
export type KeypairSnapshot = KeypairState;
/** One peer's sessions, decoded (packPeer/unpackPeer convert to and from the stored record). */
export type PeerSnapshot = PeerSessionState;

/** 2: packed peer records (1, JSON objects with hex keys, is no longer read: those sessions start afresh). */
export const SNAPSHOT_VERSION = 2;

/** A device's sessions as stored. */
export interface DeviceSnapshot {
  version: number;
  /** base64 of the device's public key: a snapshot only goes back onto the same identity. */
  publicKey: string;
  /** Peer public key (base64) → that peer's packed record. */
  peers: Record<string, string>;
}

/** Whether `value` has a DeviceSnapshot's shape (any version): what a reader checks before looking inside. */
export function isDeviceSnapshot(value: unknown): value is DeviceSnapshot {
  const v = value as Partial<DeviceSnapshot> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.version === 'number' && typeof v.publicKey === 'string' && typeof v.peers === 'object' && v.peers !== null && !Array.isArray(v.peers)
  );
}

// --- The packed record ---------------------------------------------------------------------------------------------
//
//   u8   flags: 1 endpoint, 2 pending, 4 latest timestamp, 8 needAnotherKeepalive, 16 sentLastMinuteHandshake,
//              32 lastHandshakeAt present
//   [endpoint]  u8 address length, address (ASCII), u16 port
//   u8   keypair count (0–3), then each:
//        u8 slot (0 previous, 1 current, 2 next) | 4 if initiator; 32 send key; 32 receive key; f64 createdAt;
//        u32 local index; u32 remote index; u64 send counter; u64 replay last;
//        u16 non-zero bitmap words, then each: u8 index, u32 word
//   [pending]   u32 local index; 32 chaining key; 32 hash; 32 ephemeral private key
//   [timestamp] 12 bytes (TAI64N)
//   f64 lastInitiationConsumedAt; f64 lastSentHandshakeAt; [f64 lastHandshakeAt]; f64 rxBytes; f64 txBytes
//   u32 handshakeAttempts; u8 timer mask (bit i: TIMER_NAMES[i] is armed), then one f64 per armed timer

const F_ENDPOINT = 1;
const F_PENDING = 2;
const F_TIMESTAMP = 4;
const F_ANOTHER_KEEPALIVE = 8;
const F_LAST_MINUTE = 16;
const F_LAST_HANDSHAKE = 32;
const SLOTS = KEYPAIR_SLOTS;
const TIMESTAMP_SIZE = TAI64N_SIZE;

/** A growable little-endian writer. */
class Writer {
  private bytes = new Uint8Array(512);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.bytes[this.length++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  /** Overwrite the u16 at `at` (a count written before its items). */
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  /** base64 of what was written; the writer starts over. */
  take(): string {
    const text = toBase64(this.bytes.subarray(0, this.length));
    this.length = 0;
    return text;
  }
}

/**
 * A little-endian reader over one record at a time, decoded into a buffer it keeps (a record allocates only what it
 * returns); throws RangeError on reading past the record's end.
 */
class Reader {
  private at = 0;
  private length = 0;
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);

  /** Start reading the record in `text` (base64). */
  load(text: string): void {
    if ((text.length / 4) * 3 > this.bytes.length) {
      this.bytes = new Uint8Array(text.length);
      this.view = new DataView(this.bytes.buffer);
    }
    this.length = fromBase64(text, this.bytes).length;
    this.at = 0;
  }
  private need(n: number): number {
    const at = this.at;
    if (at + n > this.length) throw new RangeError('snapshot: a peer record is truncated');
    this.at = at + n;
    return at;
  }
  u8(): number {
    return this.bytes[this.need(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true);
  }
  /** A copy of the next n bytes. */
  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  end(): void {
    if (this.at !== this.length) throw new RangeError('snapshot: a peer record has bytes left over');
  }
}

const writer = new Writer();
const reader = new Reader();

/** The stored record of a peer's sessions (base64 of the layout above). */
export function packPeer(ps: PeerSnapshot): string {
  const w = writer;
  w.length = 0;
  const t = ps.timers;
  w.u8(
    (ps.endpoint ? F_ENDPOINT : 0) |
      (ps.pending ? F_PENDING : 0) |
      (ps.latestTimestamp ? F_TIMESTAMP : 0) |
      (t.needAnotherKeepalive ? F_ANOTHER_KEEPALIVE : 0) |
      (t.sentLastMinuteHandshake ? F_LAST_MINUTE : 0) |
      (ps.lastHandshakeAt !== undefined ? F_LAST_HANDSHAKE : 0),
  );
  if (ps.endpoint) {
    const address = ps.endpoint.address;
    if (address.length > 255) throw new RangeError('snapshot: an endpoint address is longer than 255 characters');
    w.u8(address.length);
    for (let i = 0; i < address.length; i++) {
      const c = address.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) throw new RangeError('snapshot: an endpoint address is not printable ASCII');
      w.u8(c);
    }
    w.u16(ps.endpoint.port);
  }
  w.u8(ps.keypairs.length);
  for (const k of ps.keypairs) {
    w.u8(SLOTS.indexOf(k.slot) | (k.isInitiator ? 4 : 0));
    w.raw(k.sendKey);
    w.raw(k.receiveKey);
    w.f64(k.createdAt);
    w.u32(k.localIndex);
    w.u32(k.remoteIndex);
    w.u64(k.sendCounter);
    w.u64(k.replayLast);
    // the count of non-zero words goes first: write a place for it, then fill it in
    const countAt = w.length;
    w.u16(0);
    const words = k.replayBitmap;
    let count = 0;
    if (words) {
      for (let i = 0; i < words.length; i++) {
        const word = words[i]!;
        if (word === 0) continue;
        w.u8(i);
        w.u32(word);
        count++;
      }
    }
    w.patchU16(countAt, count);
  }
  if (ps.pending) {
    w.u32(ps.pending.localIndex);
    w.raw(ps.pending.chainingKey);
    w.raw(ps.pending.hash);
    w.raw(ps.pending.ephemeralPrivate);
  }
  if (ps.latestTimestamp) w.raw(ps.latestTimestamp);
  w.f64(ps.lastInitiationConsumedAt);
  w.f64(ps.lastSentHandshakeAt);
  if (ps.lastHandshakeAt !== undefined) w.f64(ps.lastHandshakeAt);
  w.f64(ps.rxBytes);
  w.f64(ps.txBytes);
  w.u32(t.handshakeAttempts);
  let mask = 0;
  for (let i = 0; i < TIMER_NAMES.length; i++) if (t.deadline[TIMER_NAMES[i]!] !== undefined) mask |= 1 << i;
  w.u8(mask);
  for (let i = 0; i < TIMER_NAMES.length; i++) {
    const d = t.deadline[TIMER_NAMES[i]!];
    if (d !== undefined) w.f64(d);
  }
  return w.take();
}

/**
 * Decode a stored record.
 * @throws {RangeError} if it is not base64 of a well-formed record.
 */
export function unpackPeer(publicKey: string, text: string): PeerSnapshot {
  const r = reader;
  try {
    r.load(text);
  } catch {
    throw new RangeError('snapshot: a peer record is not base64');
  }
  const flags = r.u8();
  if (flags >= 64) throw new RangeError('snapshot: a peer record has unknown flags');
  let endpoint: Endpoint | null = null;
  if (flags & F_ENDPOINT) {
    const n = r.u8();
    const address = String.fromCharCode(...r.raw(n));
    endpoint = { address, port: r.u16() };
  }
  const count = r.u8();
  if (count > 3) throw new RangeError('snapshot: a peer has more than three keypairs');
  const keypairs: KeypairSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    const tag = r.u8();
    const slot = SLOTS[tag & 3];
    if (!slot || tag > 7) throw new RangeError('snapshot: a keypair slot is malformed');
    const k: KeypairSnapshot = {
      slot,
      isInitiator: (tag & 4) !== 0,
      sendKey: r.raw(32),
      receiveKey: r.raw(32),
      createdAt: r.f64(),
      localIndex: r.u32(),
      remoteIndex: r.u32(),
      sendCounter: r.u64(),
      replayLast: r.u64(),
      replayBitmap: null,
    };
    const words = r.u16();
    if (words > ReplayFilter.BITMAP_WORDS) throw new RangeError('snapshot: a replay bitmap is malformed');
    if (words > 0) {
      const bitmap = newReplayBitmap();
      for (let j = 0; j < words; j++) {
        const index = r.u8();
        if (index >= bitmap.length) throw new RangeError('snapshot: a replay bitmap is malformed');
        bitmap[index] = r.u32();
      }
      k.replayBitmap = bitmap;
    }
    keypairs.push(k);
  }
  const pending = flags & F_PENDING ? { localIndex: r.u32(), chainingKey: r.raw(32), hash: r.raw(32), ephemeralPrivate: r.raw(32) } : null;
  const latestTimestamp = flags & F_TIMESTAMP ? r.raw(TIMESTAMP_SIZE) : null;
  const lastInitiationConsumedAt = r.f64();
  const lastSentHandshakeAt = r.f64();
  const lastHandshakeAt = flags & F_LAST_HANDSHAKE ? r.f64() : undefined;
  const rxBytes = r.f64();
  const txBytes = r.f64();
  const handshakeAttempts = r.u32();
  const mask = r.u8();
  if (mask >> TIMER_NAMES.length !== 0) throw new RangeError('snapshot: a timer mask is malformed');
  const deadline: Partial<Record<TimerName, number>> = {};
  TIMER_NAMES.forEach((name, i) => {
    if (mask & (1 << i)) deadline[name] = r.f64();
  });
  r.end();
  return {
    publicKey,
    endpoint,
    keypairs,
    pending,
    latestTimestamp,
    lastInitiationConsumedAt,
    lastSentHandshakeAt,
    lastHandshakeAt,
    rxBytes,
    txBytes,
    timers: { deadline, handshakeAttempts, needAnotherKeepalive: (flags & F_ANOTHER_KEEPALIVE) !== 0, sentLastMinuteHandshake: (flags & F_LAST_MINUTE) !== 0 },
  };
}

// --- Taking and restoring ------------------------------------------------------------------------------------------

/** The session state of every peer of `device`, packed. */
export function snapshotDevice(device: Device): DeviceSnapshot {
  const peers: Record<string, string> = {};
  for (const peer of device.peers()) peers[peer.name] = packPeer(device.exportSessions(peer));
  return { version: SNAPSHOT_VERSION, publicKey: encodeKey(device.publicKey), peers };
}

/**
 * Put a snapshot's sessions back onto a freshly configured device (no sessions yet). Peers are matched by public
 * key; a snapshot of another identity or version, and peers no longer configured, are skipped. Returns the number of
 * peers restored.
 * @throws {RangeError} if a record is malformed (the device is then left without the partial state of that peer).
 */
export function restoreDevice(device: Device, snap: DeviceSnapshot): number {
  if (!snapshotMatches(device, snap)) return 0;
  let restored = 0;
  for (const peer of device.peers()) {
    const text = snap.peers[peer.name];
    if (typeof text === 'string' && restorePeer(device, peer, unpackPeer(peer.name, text))) restored++;
  }
  return restored;
}

/** Whether a snapshot was taken of this device's identity (its static key), in this version. */
export function snapshotMatches(device: Device, snap: Pick<DeviceSnapshot, 'version' | 'publicKey'>): boolean {
  return snap.version === SNAPSHOT_VERSION && snap.publicKey === encodeKey(device.publicKey);
}

/**
 * Put one peer's saved sessions back onto `peer` of `device` (a peer with the snapshot's key and no sessions yet);
 * returns false, changing nothing, when the keys differ or the peer already has sessions.
 * @throws {RangeError} if the snapshot is malformed (nothing is changed).
 */
export function restorePeer(device: Device, peer: Peer, ps: PeerSnapshot): boolean {
  return device.restoreSessions(peer, ps);
}
