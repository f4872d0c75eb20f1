/**
 * What a device tells its owner besides packets: drop reasons (each with a counter), protocol events, and the secrets
 * of each handshake for a key log. Shared by send.ts, receive.ts and device.ts, so it lives below all three.
 */
import { encodeKey, type PresharedKey, type PrivateKey, type PublicKey } from './keys.js';
import type { Endpoint, Peer } from './peer.js';

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

/** Where drops are counted and events go (a device). */
export interface EventSink {
  readonly drops: Record<DropReason, number>;
  readonly onEvent: ((event: DeviceEvent) => void) | undefined;
}

/** Count a dropped packet and report it. */
export function drop(sink: EventSink, reason: DropReason, from?: Endpoint): void {
  sink.drops[reason]++;
  if (sink.onEvent) sink.onEvent(from ? { type: 'dropped', reason, from } : { type: 'dropped', reason });
}
