/**
 * A peer's timers (whitepaper §6.2–§6.5; kernel timers.c), as deadlines on the injected clock instead of OS timers:
 * the device asks each peer for its earliest deadline and fires what is due in tick(). One field per timer, one hook
 * per protocol event; each hook's contract is one line.
 */
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

/** Told about every deadline set, so a device can keep one queue of all its peers' timers. */
export type TimerListener = (name: TimerName, at: number) => void;

/**
 * The deadline (clock ms) of each timer of one peer, undefined when not pending. Assigning a field arms or stops the
 * timer; the listener hears of every deadline set. The accessors live on the prototype (not per-instance closures):
 * a fabric creates thousands of peers and touches these on every packet.
 */
class Deadlines implements Record<TimerName, number | undefined> {
  private rh: number | undefined = undefined;
  private sk: number | undefined = undefined;
  private nh: number | undefined = undefined;
  private zk: number | undefined = undefined;
  private pk: number | undefined = undefined;

  // a #private field stays out of JSON and Object.keys without a defineProperty per peer
  readonly #listener: TimerListener | undefined;

  constructor(listener: TimerListener | undefined) {
    this.#listener = listener;
  }

  get retransmitHandshake(): number | undefined {
    return this.rh;
  }
  set retransmitHandshake(v: number | undefined) {
    this.rh = v;
    if (v !== undefined) this.#listener?.('retransmitHandshake', v);
  }
  get sendKeepalive(): number | undefined {
    return this.sk;
  }
  set sendKeepalive(v: number | undefined) {
    this.sk = v;
    if (v !== undefined) this.#listener?.('sendKeepalive', v);
  }
  get newHandshake(): number | undefined {
    return this.nh;
  }
  set newHandshake(v: number | undefined) {
    this.nh = v;
    if (v !== undefined) this.#listener?.('newHandshake', v);
  }
  get zeroKeyMaterial(): number | undefined {
    return this.zk;
  }
  set zeroKeyMaterial(v: number | undefined) {
    this.zk = v;
    if (v !== undefined) this.#listener?.('zeroKeyMaterial', v);
  }
  get persistentKeepalive(): number | undefined {
    return this.pk;
  }
  set persistentKeepalive(v: number | undefined) {
    this.pk = v;
    if (v !== undefined) this.#listener?.('persistentKeepalive', v);
  }
}

export class PeerTimers {
  /**
   * Deadline (clock ms) of each pending timer; undefined when not pending. Assigning a field arms or stops the timer
   * (the listener hears of every deadline set). Enumerate it with TIMER_NAMES (its fields are accessors).
   */
  readonly deadline: Record<TimerName, number | undefined>;
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
   * @param listener called whenever a deadline is set
   */
  constructor(
    private readonly jitter: () => number,
    listener?: TimerListener,
  ) {
    this.deadline = new Deadlines(listener);
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
      this.deadline.newHandshake = now + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + this.jitter();
    }
  }

  /** A data packet was received: answer with a keepalive if we send nothing within KEEPALIVE_TIMEOUT. */
  dataReceived(now: number): void {
    if (this.deadline.sendKeepalive === undefined) this.deadline.sendKeepalive = now + KEEPALIVE_TIMEOUT_MS;
    else this.needAnotherKeepalive = true;
  }

  /** Any authenticated packet was sent: it serves as a keepalive. */
  anyAuthenticatedPacketSent(): void {
    this.deadline.sendKeepalive = undefined;
  }

  /** Any authenticated packet was received: the peer is alive, no new handshake needed. */
  anyAuthenticatedPacketReceived(): void {
    this.deadline.newHandshake = undefined;
  }

  /** Any authenticated packet went either way: restart the persistent keepalive interval. */
  anyAuthenticatedPacketTraversal(now: number): void {
    if (this.persistentKeepaliveSeconds > 0) {
      this.deadline.persistentKeepalive = now + this.persistentKeepaliveSeconds * 1000;
    }
  }

  /** An initiation was sent: retransmit it after REKEY_TIMEOUT + jitter unless answered. */
  handshakeInitiated(now: number): void {
    this.deadline.retransmitHandshake = now + REKEY_TIMEOUT_MS + this.jitter();
  }

  /** A handshake completed (response consumed, or first packet on the responder's next keypair). */
  handshakeComplete(): void {
    this.deadline.retransmitHandshake = undefined;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** New keys were derived: erase all keys if nothing newer comes within REJECT_AFTER_TIME × 3. */
  sessionDerived(now: number): void {
    this.deadline.zeroKeyMaterial = now + ZERO_KEYS_AFTER_MS;
  }

  /** Stop every timer (peer removed or device closed). */
  stopAll(): void {
    for (const name of TIMER_NAMES) this.deadline[name] = undefined;
  }
}

export { REKEY_TIMEOUT_JITTER_MAX_MS };
