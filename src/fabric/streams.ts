/**
 * Where a fabric's random draws come from, so that a seeded run gives the same bytes however it is spread over
 * threads. The node pairs fall into VIRTUAL_SHARDS shards by a hash of their names, a number fixed here and not the
 * machine's CPU count; each shard has its own stream, seeded from the run's seed and the shard's number, and every
 * draw a handshake between two nodes makes (ephemerals, session indices, retry jitter) comes from their pair's
 * stream. A pair's draws then depend only on that pair's own flows, which every thread layout runs in the same
 * order: one fabric running every pair and several each running some shards make the same keys and indices.
 */
import type { Rng } from '../platform/types.js';

/** How many shards the node pairs fall into (threads run whole shards: at most this many are useful). */
export const VIRTUAL_SHARDS = 8;

/** FNV-1a over two names in a fixed order: the same for (a, b) and (b, a). */
export function pairHash(a: string, b: string): number {
  const text = a < b ? `${a}|${b}` : `${b}|${a}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The virtual shard of the unordered pair (a, b). */
export function virtualShardOf(a: string, b: string): number {
  return pairHash(a, b) % VIRTUAL_SHARDS;
}

/** The random streams of one run. */
export interface RunStreams {
  /** The stream of the pair (a, b): its shard's. */
  forPair(a: string, b: string): Rng;
  /** A node's own stream, for what is not about one peer (a device's cookie secret). */
  forNode(node: string): Rng;
}

/**
 * The streams of a run with seed `seed`; `seeded` makes a deterministic stream from a label (platform/rng.ts
 * seededRng, injected so this module stays pure). Streams are made on first use.
 */
export function runStreams(seed: string, seeded: (label: string) => Rng): RunStreams {
  const shards: (Rng | undefined)[] = new Array(VIRTUAL_SHARDS);
  const nodes = new Map<string, Rng>();
  return {
    forPair(a, b) {
      const k = virtualShardOf(a, b);
      return (shards[k] ??= seeded(`${seed}/shard/${k}`));
    },
    forNode(node) {
      let r = nodes.get(node);
      if (!r) nodes.set(node, (r = seeded(`${seed}/node/${node}`)));
      return r;
    },
  };
}
