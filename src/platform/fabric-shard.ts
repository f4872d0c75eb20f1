/**
 * One fabric shard on the calling thread, as the main thread and every worker run it: its own simulated clock, its
 * seeded random stream, the fast crypto backend. Lives in platform/ because it picks the clock, the random source and
 * the crypto implementation.
 */
import { runShard, type ShardInput, type ShardOutput } from '../fabric/shard.js';
import { runStreams } from '../fabric/streams.js';
import { SimClock } from './clock.js';
import { seededRng } from './rng.js';
import { fastCryptoBackend } from './wg-fast-crypto.js';

export function runShardHere(input: ShardInput): ShardOutput {
  return runShard(input, { clock: new SimClock(input.startMs), streams: runStreams(input.seed, seededRng), backend: fastCryptoBackend });
}
