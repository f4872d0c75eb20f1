/**
 * One fabric shard on the calling thread, as the main thread and every worker run it: its own simulated clock, its
 * seeded random stream, and runShard's production crypto backend (sodium-native). Lives in platform/ because it picks
 * the clock and the random source.
 */
import { runShard, type ShardInput, type ShardOutput } from '../fabric/shard.js';
import { runStreams } from '../fabric/streams.js';
import { SimClock } from './clock.js';
import { seededRng } from './rng.js';

export function runShardHere(input: ShardInput): ShardOutput {
  return runShard(input, { clock: new SimClock(input.startMs), streams: runStreams(input.seed, seededRng) });
}
