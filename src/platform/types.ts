/**
 * The side-effect seams every other layer sees. Pure modules (wireguard/, aks/) import these types and nothing
 * else from platform/, so a test or the simulated fabric can hand them a clock, a random source and streams that
 * replay exactly.
 */

/** Milliseconds since the Unix epoch. The real clock reads the wall clock; a simulated one only moves on advance(). */
export interface Clock {
  now(): number;
}

/** A source of random bytes: the OS CSPRNG in production, a seeded stream in tests and simulations. */
export interface Rng {
  bytes(length: number): Uint8Array;
}

/** The part of a writable stream the CLI uses. */
export interface OutStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The part of a readable stream the CLI uses (stdin). */
export interface InStream extends AsyncIterable<string | Uint8Array> {
  readonly isTTY?: boolean;
}
