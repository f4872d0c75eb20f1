/**
 * A device's session indices (kernel peerlookup.c's index hashtable, wireguard-go indextable.go): the random 32-bit
 * number each pending handshake and each session is known by on the wire (the sender field of our handshake messages,
 * the receiver field of what the peer sends back), and what it names: a peer, and the keypair once there is one.
 *
 * Generic in the peer type so that peer.ts (which drops indices when it rotates keypairs) can use it without this
 * file importing peer.ts.
 */
import type { Rng } from '../platform/types.js';
import type { Keypair } from './keypair.js';
import { readU32 } from './messages.js';

/** What an index names: a peer's pending handshake (no keypair yet) or one of its sessions. */
export interface IndexEntry<P> {
  readonly peer: P;
  readonly keypair?: Keypair;
}

/**
 * Indices are random 32-bit numbers; kept as they are, half of them are above 2^31 − 1, which V8 stores as heap
 * numbers: a hashed, allocated key for every transport packet received. The table keys them by their signed 32-bit
 * value instead (`index | 0`, the same 32 bits).
 */
export class IndexTable<P> {
  private readonly map = new Map<number, IndexEntry<P>>();

  get(index: number): IndexEntry<P> | undefined {
    return this.map.get(index | 0);
  }

  has(index: number): boolean {
    return this.map.has(index | 0);
  }

  set(index: number, entry: IndexEntry<P>): void {
    this.map.set(index | 0, entry);
  }

  delete(index: number): void {
    this.map.delete(index | 0);
  }

  /** A fresh random index not in use (4 bytes from `rng` per try), registered to `entry`. */
  allocate(entry: IndexEntry<P>, rng: Rng): number {
    for (;;) {
      const b = rng.bytes(4);
      const index = readU32(b, 0);
      if (!this.has(index)) {
        this.set(index, entry);
        return index;
      }
    }
  }
}
