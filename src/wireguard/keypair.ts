/**
 * A session's keys (whitepaper §5.4.5–§5.4.6): the two transport keys, the send counter, the receive replay window
 * and the indices both sides know the session by. A peer holds up to three: previous, current and next.
 */
import { hideSecretFields } from './keys.js';
import { ReplayFilter } from './replay.js';

export class Keypair {
  /** The next counter (nonce) to send. */
  sendCounter = 0n;
  readonly replay = new ReplayFilter();
  /** True once the keys were erased; an erased keypair neither sends nor receives. */
  zeroed = false;

  constructor(
    readonly sendKey: Uint8Array,
    readonly receiveKey: Uint8Array,
    /** True on the side that sent the initiation: only it rekeys on age. */
    readonly isInitiator: boolean,
    /** Clock time (ms) the keys were derived. */
    readonly createdAt: number,
    /** Our index: the receiver field of transport messages addressed to us. */
    readonly localIndex: number,
    /** The peer's index: the receiver field of transport messages we send. */
    readonly remoteIndex: number,
  ) {
    hideSecretFields(this, 'sendKey', 'receiveKey');
  }

  /** Erase the keys. */
  zero(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.zeroed = true;
  }
}
