/**
 * A peer's timers (whitepaper §6.2–§6.5; kernel timers.c), as deadlines on the injected clock instead of OS timers,
 * and the device's one queue of all its peers' deadlines. One field per timer, one hook per protocol event; each
 * hook's contract is one line. What each timer does when it fires is the device's (device.ts, tick()).
 */
import type { Rng } from '../platform/types.js';
import { MinHeap } from '../net/heap.js';
import {
  KEEPALIVE_TIMEOUT_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
  ZERO_KEYS_AFTER_MS,
} from './constants.js';

export type TimerName = 'retransmitHandshake' | 'sendKeepalive' | 'newHandshake' | 'zeroKeyMaterial' | 'persistentKeepalive';

export const TIMER_NAMES: readonly TimerName[] = [
  'retransmitHandshake',
  'sendKeepalive',
  'newHandshake',
  'zeroKeyMaterial',
  'persistentKeepalive',
];

/** Told about every new deadline, so a device can keep one queue of all its peers' timers. */
export type TimerListener = (name: TimerName, at: number) => void;

export class PeerTimers {
  /**
   * Deadline (clock ms) of each pending timer; undefined when not pending. Read it freely; arm or stop a timer with
   * set() (or a hook below), which tells the listener.
   */
  readonly deadline: Readonly<Record<TimerName, number | undefined>> = {
    retransmitHandshake: undefined,
    sendKeepalive: undefined,
    newHandshake: undefined,
    zeroKeyMaterial: undefined,
    persistentKeepalive: undefined,
  };
  /** The same object, writable: only this class writes it, so the listener hears of every new deadline. */
  private readonly at = this.deadline as Record<TimerName, number | undefined>;
  /** Initiations retransmitted for the handshake under way. */
  handshakeAttempts = 0;
  /** Data arrived while a keepalive was already pending: send another after it. */
  needAnotherKeepalive = false;
  /** The initiator already rekeyed from the receive path for this session. */
  sentLastMinuteHandshake = false;
  /** Seconds between persistent keepalives (0: off). */
  persistentKeepaliveSeconds = 0;

  /**
   * @param jitter a random delay in [0, REKEY_TIMEOUT_JITTER_MAX_MS)
   * @param listener called whenever a timer gets a new deadline
   */
  constructor(
    private readonly jitter: () => number,
    private readonly listener?: TimerListener,
  ) {}

  /**
   * Arm timer `name` for `at`, or stop it (undefined). The listener hears of a new deadline, not of one the timer
   * already has: that one is still in the device's queue, and queueing it again would leave an entry that stays live
   * (a persistent keepalive restarted by every packet within one clock ms grew the queue by one per packet).
   */
  set(name: TimerName, at: number | undefined): void {
    if (this.at[name] === at) return;
    this.at[name] = at;
    if (at !== undefined) this.listener?.(name, at);
  }

  /** The earliest pending deadline, or undefined. */
  next(): number | undefined {
    let min: number | undefined;
    for (const name of TIMER_NAMES) {
      const d = this.deadline[name];
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  /** A data (non-keepalive) packet was sent: expect an answer within KEEPALIVE + REKEY_TIMEOUT, else rehandshake. */
  dataSent(now: number): void {
    if (this.deadline.newHandshake === undefined) {
      const at = now + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + this.jitter();
      this.at.newHandshake = at;
      this.listener?.('newHandshake', at);
    }
  }

  /** A data packet was received: answer with a keepalive if we send nothing within KEEPALIVE_TIMEOUT. */
  dataReceived(now: number): void {
    if (this.deadline.sendKeepalive === undefined) {
      const at = now + KEEPALIVE_TIMEOUT_MS;
      this.at.sendKeepalive = at;
      this.listener?.('sendKeepalive', at);
    } else this.needAnotherKeepalive = true;
  }

  /** Any authenticated packet was sent: it serves as a keepalive. */
  anyAuthenticatedPacketSent(): void {
    this.at.sendKeepalive = undefined;
  }

  /** Any authenticated packet was received: the peer is alive, no new handshake needed. */
  anyAuthenticatedPacketReceived(): void {
    this.at.newHandshake = undefined;
  }

  /** Any authenticated packet went either way: restart the persistent keepalive interval. */
  anyAuthenticatedPacketTraversal(now: number): void {
    if (this.persistentKeepaliveSeconds > 0) {
      const at = now + this.persistentKeepaliveSeconds * 1000;
      if (this.at.persistentKeepalive === at) return;
      this.at.persistentKeepalive = at;
      this.listener?.('persistentKeepalive', at);
    }
  }

  /** An initiation was sent: retransmit it after REKEY_TIMEOUT + jitter unless answered. */
  handshakeInitiated(now: number): void {
    const at = now + REKEY_TIMEOUT_MS + this.jitter();
    if (this.at.retransmitHandshake === at) return;
    this.at.retransmitHandshake = at;
    this.listener?.('retransmitHandshake', at);
  }

  /** A handshake completed (response consumed, or first packet on the responder's next keypair). */
  handshakeComplete(): void {
    this.at.retransmitHandshake = undefined;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** New keys were derived: erase all keys if nothing newer comes within REJECT_AFTER_TIME × 3. */
  sessionDerived(now: number): void {
    const at = now + ZERO_KEYS_AFTER_MS;
    if (this.at.zeroKeyMaterial === at) return;
    this.at.zeroKeyMaterial = at;
    this.listener?.('zeroKeyMaterial', at);
  }

  /** Stop every timer (peer removed or device closed). */
  stopAll(): void {
    for (const name of TIMER_NAMES) this.at[name] = undefined;
  }
}

/** A random delay in [0, REKEY_TIMEOUT_JITTER_MAX_MS) added to each handshake retry (2 bytes from `rng`). */
export function jitter(rng: Rng): number {
  const b = rng.bytes(2);
  return Math.floor((((b[0]! << 8) | b[1]!) / 65536) * REKEY_TIMEOUT_JITTER_MAX_MS);
}

// --- The device's timer queue ---------------------------------------------------------------------------------------

/** What the queue needs of a peer (structural, so this file does not import peer.ts). */
export interface TimedPeer {
  readonly removed: boolean;
  readonly timers: PeerTimers;
}

/** A queued timer: which of a peer's timers (its deadline is the heap's key). */
export interface TimerEntry<P extends TimedPeer> {
  readonly peer: P;
  readonly name: TimerName;
}

/** A queued timer is live while its peer is still there and the deadline was not changed since. */
function isLive(e: TimerEntry<TimedPeer>, at: number): boolean {
  return !e.peer.removed && e.peer.timers.deadline[e.name] === at;
}

/**
 * Every deadline the peers of one device set, by (deadline, the order they were set in). A deadline changed or
 * stopped later is not looked for: its entry goes stale and is skipped when it surfaces, so arming a timer is one push.
 */
export class TimerQueue<P extends TimedPeer> {
  private readonly heap = new MinHeap<TimerEntry<P>>();
  private seq = 0;

  /** Queue `peer`'s timer `name` for `at`; stale entries are swept when there are more than 64 + 10 per peer. */
  push(peer: P, name: TimerName, at: number, peerCount: number): void {
    this.heap.push(at, this.seq++, { peer, name });
    // drop stale entries now and then, so a peer re-arming a timer on every packet does not grow the queue
    if (this.heap.size > 64 + 10 * peerCount) this.heap.retain(isLive);
  }

  /** Drop the stale entries at the top; the earliest live deadline, or undefined. O(log n) amortized. */
  nextAt(): number | undefined {
    const q = this.heap;
    while (q.size > 0 && !isLive(q.top(), q.topKey())) q.pop();
    return q.size > 0 ? q.topKey() : undefined;
  }

  /** Remove the earliest entry (call nextAt() first: it is then live) and return it. */
  pop(): TimerEntry<P> {
    return this.heap.pop();
  }
}

export { REKEY_TIMEOUT_JITTER_MAX_MS };
