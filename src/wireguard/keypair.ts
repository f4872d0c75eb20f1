/**
 * A session's keys (whitepaper §5.4.5–§5.4.6): the two transport keys, the send counter, the receive replay window
 * and the indices both sides know the session by. A peer holds up to three: previous, current and next.
 */
import { REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } from './constants.js';
import { writeU32, writeU64 } from './messages.js';
import { ReplayFilter } from './replay.js';

/** Send counters below this are kept as a number (exact); from there on as a BigInt. */
const FAST_COUNTER_LIMIT = 2 ** 53 - 1;

export class Keypair {
  /** The next counter to send, while it is below 2^53 − 1. */
  private counter = 0;
  /** The next counter once it reached 2^53 − 1 (then `counter` is unused). */
  private counterBig: bigint | null = null;
  readonly replay = new ReplayFilter();
  /** True once the keys were erased; an erased keypair neither sends nor receives. */
  zeroed = false;

  // the keys live in #private fields, which JSON.stringify, Object.values and util.inspect never show (cheaper per
  // session than hideSecretFields' defineProperty calls)
  readonly #sendKey: Uint8Array;
  readonly #receiveKey: Uint8Array;

  constructor(
    sendKey: Uint8Array,
    receiveKey: Uint8Array,
    /** True on the side that sent the initiation: only it rekeys on age. */
    readonly isInitiator: boolean,
    /** Clock time (ms) the keys were derived. */
    readonly createdAt: number,
    /** Our index: the receiver field of transport messages addressed to us. */
    readonly localIndex: number,
    /** The peer's index: the receiver field of transport messages we send. */
    readonly remoteIndex: number,
  ) {
    this.#sendKey = sendKey;
    this.#receiveKey = receiveKey;
  }

  /** The key of the messages we send. */
  get sendKey(): Uint8Array {
    return this.#sendKey;
  }

  /** The key of the messages we receive. */
  get receiveKey(): Uint8Array {
    return this.#receiveKey;
  }

  /** The next counter (nonce) to send. */
  get sendCounter(): bigint {
    return this.counterBig ?? BigInt(this.counter);
  }
  set sendCounter(value: bigint) {
    if (value < BigInt(FAST_COUNTER_LIMIT)) {
      this.counter = Number(value);
      this.counterBig = null;
    } else {
      this.counterBig = value;
    }
  }

  /**
   * Take the next send counter, writing it little-endian into `out` at `offset`. False (and nothing taken) once
   * the counter reached REJECT_AFTER_MESSAGES: a nonce is never reused.
   */
  takeCounter(out: Uint8Array, offset: number): boolean {
    if (this.counterBig === null) {
      const n = this.counter;
      if (n < FAST_COUNTER_LIMIT) {
        this.counter = n + 1;
        writeU32(out, offset, n >>> 0);
        writeU32(out, offset + 4, Math.floor(n / 0x1_0000_0000));
        return true;
      }
      this.counterBig = BigInt(n);
    }
    const c = this.counterBig;
    if (c >= REJECT_AFTER_MESSAGES) return false;
    this.counterBig = c + 1n;
    writeU64(out, offset, c);
    return true;
  }

  /** The counter reached REJECT_AFTER_MESSAGES: nothing more may be sent. */
  get exhausted(): boolean {
    return this.counterBig !== null && this.counterBig >= REJECT_AFTER_MESSAGES;
  }

  /** More than REKEY_AFTER_MESSAGES were sent: time for a new session. */
  get pastRekeyMessages(): boolean {
    return this.counterBig !== null && this.counterBig > REKEY_AFTER_MESSAGES;
  }

  /** Erase the keys. */
  zero(): void {
    this.#sendKey.fill(0);
    this.#receiveKey.fill(0);
    this.zeroed = true;
  }
}
